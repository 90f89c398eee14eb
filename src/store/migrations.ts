/**
 * Schema migrations, applied in order at start and recorded in schema_migrations. Kept as code rather
 * than .sql files so the build carries them; never edit one that has shipped: add the next.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
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
      CREATE FUNCTION warden_store_events(
        p_tenant text, p_ids text[], p_sources text[], p_kinds text[], p_times timestamptz[], p_bodies json
      ) RETURNS SETOF text LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('warden:events:' || p_tenant));
        RETURN QUERY
          INSERT INTO events (tenant_id, id, source, kind, time, body)
          SELECT p_tenant, r.id, r.source, r.kind, r.time, r.body
          FROM ROWS FROM (unnest(p_ids), unnest(p_sources), unnest(p_kinds), unnest(p_times),
                          json_array_elements(p_bodies)) AS r(id, source, kind, time, body)
          ON CONFLICT (tenant_id, id) DO NOTHING
          RETURNING events.id;
      END
      $$;
    `,
  },
];
