-- An append in one round trip: under the schema's append lock (taken first: every statement
-- after it sees what the previous holder committed), refuse a repeated idempotency key or a
-- stale expected version by returning no rows; else write the events at the next positions
-- and versions, all recorded at one time, and the key with its result.
CREATE FUNCTION append_events(
    p_stream text, p_expected integer, p_key text, p_fingerprint text, p_result json,
    p_school text, p_partition text, p_actor text, p_role text, p_correlation text,
    p_causation text, p_events json  -- [{"id", "type", "schema", "at" (or null), "data"}]
) RETURNS TABLE (out_position bigint, out_version integer, out_recorded timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_head bigint;
    v_current integer;
    v_recorded timestamptz;
    v_event json;
    i integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.events'));
    IF p_key IS NOT NULL AND EXISTS (SELECT 1 FROM command_results c WHERE c.key = p_key) THEN
        RETURN;
    END IF;
    SELECT COALESCE(MAX(e.stream_version), 0) INTO v_current
        FROM events e WHERE e.stream_id = p_stream;
    IF p_expected IS NOT NULL AND v_current <> p_expected THEN
        RETURN;
    END IF;
    SELECT COALESCE(MAX(e.position), 0) INTO v_head FROM events e;
    v_recorded := clock_timestamp();
    -- One INSERT per event: a loop is several times cheaper than RETURN QUERY over a
    -- data-modifying WITH (measured: about 150 against 500 microseconds a call). The events
    -- come as one JSON text (cheaper to send than five arrays); `json`, not `jsonb`, so each
    -- body is stored byte for byte as written.
    FOR v_event, i IN SELECT e, n FROM json_array_elements(p_events) WITH ORDINALITY AS t(e, n)
    LOOP
        INSERT INTO events (position, event_id, stream_id, stream_version, event_type,
            schema_version, school_id, partition_key, occurred_at, recorded_at, actor_id,
            actor_role, correlation_id, causation_id, data)
        VALUES (v_head + i, (v_event->>'id')::uuid, p_stream, v_current + i,
            v_event->>'type', (v_event->>'schema')::integer, p_school, p_partition,
            COALESCE((v_event->>'at')::timestamptz, v_recorded), v_recorded, p_actor, p_role,
            p_correlation, p_causation, v_event->'data');
        out_position := v_head + i;
        out_version := v_current + i;
        out_recorded := v_recorded;
        RETURN NEXT;
    END LOOP;
    IF p_key IS NOT NULL THEN
        INSERT INTO command_results (key, fingerprint, result, recorded_at)
        VALUES (p_key, p_fingerprint, p_result, v_recorded);
    END IF;
END
$$;
