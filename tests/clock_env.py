"""Where ``--today`` hands the tests' day to ``tests.clock`` (and to the app children the
tests start), read before any test module is imported."""

TODAY_ENV = "SAMTALE_TEST_TODAY"
