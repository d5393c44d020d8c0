"""Every name the app gives a table in a vault shard or a key in a vault's meta table,
in one place, so two parts of the app never disagree about where a thing is kept.

Tables hold records (one shard per conversation, plus a few shared shards); meta keys
hold one value per vault. The vault itself gives these names no meaning."""

from __future__ import annotations

# --- tables in a conversation's shard ----------------------------------------------------
CONVERSATION_TABLE = "conversation"
PREPARATION_TABLE = "preparations"
MINUTES_TABLE = "minutes"
AGREEMENT_TABLE = "agreements"
TEAM_PLAN_TABLE = "team_plans"
REVIEW_TABLE = "follow_ups"
REMINDER_TABLE = "reminders"
RATINGS_TABLE = "competence_ratings"
COVERAGE_TABLE = "coverage"
CONFLICTS_TABLE = "conflicts"  # answers two devices changed differently
VERSIONS_TABLE = "versions"  # the sync engine's version history of each record

# --- shared shards and their tables ------------------------------------------------------
CATALOGUE_SHARD = "c0" + "0" * 30  # the course catalogue: every member reads it
COURSE_TABLE = "courses"
COMPLETION_TABLE = "completions"
LIBRARY_SHARD = "a0" + "0" * 30  # the organisation's published sheets and job profiles
RELEASE_TABLE = "releases"
ERASURE_SHARD = "e0" + "0" * 30  # erasure requests, for HR
ERASURE_TABLE = "erasure_requests"
UNIT_PLAN_TABLE = "unit_plans"  # in the shard named by conversations.unit_plan.unit_plan_id
DEVICES_SHARD = "d0" + "0" * 30  # a person's devices (conversations.devices), for them and HR
DEVICE_TABLE = "devices"

# --- meta keys ---------------------------------------------------------------------------
PROFILE_KEY = "profile"
DIRECTORY_KEY = "directory"  # with "chain": the directory keys granted, its snapshot
SETTINGS_KEY = "settings"
SHARE_KEY = "share"
CONFLICTS_KEY = "open_conflicts"
ORG_PIN_KEY = "organisation_pin"
REMINDERS_KEY = "reminders"  # reminders others sent me, so home reads no shards
AUDIT_KEY = "audit"
IDENTITY_KEY = "identity"
DEVICE_KEY = "device"
ORGANISATION_KEY = "organisation"
NEW_KEYS_KEY = "new_keys"  # keys made after a lost device, until HR approves them
RECOVERY_PLACE_KEY = "recovery_place"  # where the recovery code keeps my keys (sync.recovery)
RECOVERY_KEPT_KEY = "recovery_kept"  # what was last kept there
OUTBOX_KEY = "sync.outbox"
CURSORS_KEY = "sync.cursors"
MAINTAINED_KEY = "sync.maintained"
HOUSEKEEPING_KEY = "sync.housekeeping"  # HR's maintenance runs: how far each saw the journals
HELD_KEY = "sync.held"  # versions waiting for the conversation that decides their rights
SHEET_DRAFT_KEY = "sheet_draft"  # the question sheet HR (or a leader) is editing
PROFILE_DRAFT_KEY = "profile_draft"  # the job profile HR is editing
REFUSED_KEY = "sync.refused"  # versions refused as not authorised, reported once
