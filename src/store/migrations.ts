/**
 * Schema migrations, applied in order at start and recorded in schema_migrations. Kept as code rather
 * than .sql files so the build carries them; never edit one that has shipped: add the next.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/**
 * `warden_store_events` as migrations 3 and 4 declare it: the same body but for the key an insert
 * conflicts on. A migration's text never changes once released; this writes both exactly as they were.
 */
function storeEventsFunction(create: "CREATE" | "CREATE OR REPLACE", conflictKey: string): string {
  return `${create} FUNCTION warden_store_events(
        p_tenant text, p_ids text[], p_sources text[], p_kinds text[], p_times timestamptz[], p_bodies json
      ) RETURNS SETOF text LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('warden:events:' || p_tenant));
        RETURN QUERY
          INSERT INTO events (tenant_id, id, source, kind, time, body)
          SELECT p_tenant, r.id, r.source, r.kind, r.time, r.body
          FROM ROWS FROM (unnest(p_ids), unnest(p_sources), unnest(p_kinds), unnest(p_times),
                          json_array_elements(p_bodies)) AS r(id, source, kind, time, body)
          ON CONFLICT ${conflictKey} DO NOTHING
          RETURNING events.id;
      END
      $$;`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "events, findings, incidents, audit log, watermarks",
    sql: `
      -- Every event seen, once: the primary key is what de-duplicates overlapping poll windows.
      CREATE TABLE events (
        tenant_id   text        NOT NULL,
        id          text        NOT NULL,
        seq         bigserial   NOT NULL UNIQUE,
        source      text        NOT NULL,
        kind        text        NOT NULL,
        time        timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now(),
        body        jsonb       NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX events_tenant_time ON events (tenant_id, time);

      CREATE TABLE findings (
        id          text        PRIMARY KEY,
        tenant_id   text        NOT NULL,
        rule        text        NOT NULL,
        severity    text        NOT NULL,
        confidence  real        NOT NULL,
        time        timestamptz NOT NULL,
        incident_id text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        body        jsonb       NOT NULL
      );
      CREATE INDEX findings_tenant_time ON findings (tenant_id, time);
      CREATE INDEX findings_incident ON findings (incident_id);

      CREATE TABLE incidents (
        id          text        PRIMARY KEY,
        tenant_id   text        NOT NULL,
        state       text        NOT NULL,
        severity    text        NOT NULL,
        confidence  real        NOT NULL,
        first_time  timestamptz NOT NULL,
        last_time   timestamptz NOT NULL,
        -- Grows by one at every change, so a card or a job can tell it holds an old version.
        version     integer     NOT NULL DEFAULT 1,
        finding_ids text[]      NOT NULL,
        rules       text[]      NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX incidents_tenant_state ON incidents (tenant_id, state);

      -- Append-only: each transition or decision is one row, never updated or deleted.
      CREATE TABLE incident_audit (
        seq          bigserial   PRIMARY KEY,
        incident_id  text        NOT NULL,
        at           timestamptz NOT NULL DEFAULT now(),
        actor_id     text,
        actor_name   text,
        action       text        NOT NULL,
        from_state   text,
        to_state     text,
        card_version integer,
        detail       jsonb       NOT NULL DEFAULT '{}'
      );
      CREATE INDEX incident_audit_incident ON incident_audit (incident_id, seq);

      -- Where each poller has read up to, per tenant, source and scope (a subscription, or '').
      CREATE TABLE watermarks (
        tenant_id  text        NOT NULL,
        source     text        NOT NULL,
        scope      text        NOT NULL DEFAULT '',
        watermark  timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, source, scope)
      );

      -- How far detection has read the events table, per tenant.
      CREATE TABLE detection_cursor (
        tenant_id text   PRIMARY KEY,
        seq       bigint NOT NULL
      );
    `,
  },
  {
    id: 2,
    name: "containment actions, conversation references, posted cards",
    sql: `
      -- One row per planned action of an incident: what it will change, then what it changed (for undo)
      -- and how it ended. The id is the incident, the action and the target, so planning twice is a no-op.
      CREATE TABLE actions (
        id           text        PRIMARY KEY,
        tenant_id    text        NOT NULL,
        incident_id  text        NOT NULL,
        action       text        NOT NULL,
        target       jsonb       NOT NULL,
        state        text        NOT NULL,
        plan         jsonb       NOT NULL,
        changed      jsonb,
        outcome      text,
        request_ids  jsonb       NOT NULL DEFAULT '[]',
        approved_by  text,
        automatic    boolean     NOT NULL DEFAULT false,
        attempts     integer     NOT NULL DEFAULT 0,
        executed_at  timestamptz,
        updated_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX actions_incident ON actions (incident_id);
      CREATE INDEX actions_automatic ON actions (tenant_id, automatic, executed_at);

      -- Where the bot may post: a Teams channel or chat, as the Bot Framework's conversation reference.
      CREATE TABLE conversations (
        tenant_id       text        NOT NULL,
        conversation_id text        NOT NULL,
        kind            text        NOT NULL,
        reference       jsonb       NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, conversation_id)
      );

      -- The card posted for each incident, so it can be updated in place for everyone.
      CREATE TABLE incident_cards (
        incident_id     text        PRIMARY KEY,
        conversation_id text        NOT NULL,
        activity_id     text        NOT NULL,
        card_version    integer     NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 3,
    name: "events stored as json text, by one server-side call",
    sql: `
      -- Events are written once and read back whole, never queried inside: json keeps the text as sent,
      -- which costs Postgres less to store and to return than jsonb's parsed form (docs/reliability.md, Load).
      ALTER TABLE events ALTER COLUMN body TYPE json USING body::json;

      -- Stores a tenant's events under the tenant's insert lock, held to commit: sequence numbers are
      -- taken at insert, and the lock makes seq order commit order (see events-repo). Called as one
      -- statement outside any transaction, so the lock is held for the insert and the commit only: taken
      -- by the client in a transaction of its own, it was also held across the round trips between, and
      -- those waited on a busy worker's event loop while other polls queued behind it.
      ${storeEventsFunction("CREATE", "(tenant_id, id)")}
    `,
  },
  {
    id: 4,
    name: "events keyed by a 16-byte digest of tenant and id; indexes that match their queries",
    sql: `
      -- The key that de-duplicates events was (tenant_id, id): text of 60 to 250 bytes per entry (an
      -- Activity Log id holds the correlation id, the operation and the resource id), in random order. At
      -- millions of rows that index outgrew memory, nearly every insert dirtied a leaf page of its own,
      -- and after each checkpoint each such page went whole into the WAL: PostgreSQL's share of the
      -- machine rose from 40 % to 100 % within ten minutes at 10,000 events a second (docs/reliability.md,
      -- Load). The first 16 bytes of a SHA-256 keep the same uniqueness in a fraction of the pages.
      -- md5(tenant) has a fixed length, so two different (tenant, id) pairs never hash the same text. Not
      -- MD5 for the key itself: parts of an id come from the caller (the resource id, the correlation id),
      -- and a crafted MD5 collision would drop the second event as a duplicate of the first.
      -- Declared immutable although convert_to is only stable: its one variable is the database's
      -- encoding, which never changes under a database; the generated column needs an immutable function.
      CREATE FUNCTION warden_event_key(p_tenant text, p_id text) RETURNS bytea
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT substring(sha256(convert_to(md5(p_tenant) || p_id, 'UTF8')) FROM 1 FOR 16) $$;

      ALTER TABLE events DROP CONSTRAINT events_pkey;
      ALTER TABLE events ADD COLUMN event_key bytea GENERATED ALWAYS AS (warden_event_key(tenant_id, id)) STORED;
      ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (event_key);

      -- Detection reads a tenant's events after its cursor, in sequence order. With an index on seq alone
      -- the planner chose, on statistics a few minutes old, to find the tenant's rows by (tenant_id, time)
      -- and sort millions of them for each batch of 5,000 (15 s a batch, seen in the soak); this index
      -- answers that query in order, whatever the statistics say. Retention deletes by time alone.
      ALTER TABLE events DROP CONSTRAINT events_seq_key;
      CREATE UNIQUE INDEX events_tenant_seq ON events (tenant_id, seq);
      DROP INDEX events_tenant_time;
      CREATE INDEX events_time ON events (time);

      ${storeEventsFunction("CREATE OR REPLACE", "(event_key)")}
    `,
  },
  {
    id: 5,
    name: "the Teams channel incident cards go to, pinned once",
    sql: `
      -- Issue 17, finding 1: cards went to whichever channel spoke to the bot last, so anyone in the
      -- tenant could move them to a team of their own. One channel per tenant, pinned by the first
      -- installation an approver made (or named in config, which is not stored), never replaced.
      CREATE TABLE incident_channels (
        tenant_id       text        PRIMARY KEY,
        conversation_id text        NOT NULL,
        reference       jsonb       NOT NULL,
        pinned_by       text        NOT NULL,
        pinned_at       timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 6,
    name: "the ids of the containment groups and policies Warden created",
    sql: `
      -- Issue 18, point 2: Warden found its containment group by mailNickname and its policy by display
      -- name. Entra is eventually consistent (a group just created is missing from lists for seconds, so
      -- a second one was created), and a name is anyone's to take. The ids are kept at creation instead.
      CREATE TABLE containment_objects (
        tenant_id         text        NOT NULL,
        control           text        NOT NULL,
        group_id          text,
        group_created_at  timestamptz,
        policy_id         text,
        policy_created_at timestamptz,
        PRIMARY KEY (tenant_id, control)
      );
    `,
  },
  {
    id: 7,
    name: "the last posture report each tenant was told about",
    sql: `
      -- Issue 20: the posture card is posted only when something changed since the last one posted, and
      -- says what; so the last report posted is kept, one per tenant, replaced each time, beside the
      -- report whose card is being posted.
      CREATE TABLE posture_reports (
        tenant_id   text        PRIMARY KEY,
        -- The last report posted (what the next card is compared with); null until one is.
        taken_at    timestamptz,
        report      jsonb,
        posted_at   timestamptz,
        -- A card being posted: claimed before the post so that an overlapping run does not post the same
        -- news, given back (or made the last posted) after it; a claim older than its lease is dead.
        claim       jsonb,
        claimed_at  timestamptz
      );
    `,
  },
  {
    id: 8,
    name: "the names of the tenant and its subscriptions, as last read",
    sql: `
      -- Issue 25: the incident card says where (the tenant and its subscriptions, by name and id), but
      -- Warden kept ids only, and a card drawn while Microsoft is slow or refusing must not wait on it.
      -- Discovery keeps the names it reads; a row is never deleted, so a subscription that left the
      -- directory (when ARM no longer answers for it, and when the card needs it most) keeps its last
      -- name. Ids are lowercase; names are the tenant's own, attacker-writable text (names-repo.ts).
      CREATE TABLE display_names (
        tenant_id   text        NOT NULL,
        object_id   text        NOT NULL,
        kind        text        NOT NULL CHECK (kind IN ('tenant', 'subscription')),
        name        text        NOT NULL,
        -- When the name was read: an older read (a retried discovery) never replaces a newer one.
        seen_at     timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, object_id)
      );
    `,
  },
];
