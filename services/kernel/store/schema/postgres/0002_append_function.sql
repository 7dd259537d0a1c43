-- An append in one round trip: under the schema's append lock (taken first: every statement
-- after it sees what the previous holder committed), refuse a repeated idempotency key or a
-- stale expected version by returning no rows; else write the events at the next positions
-- and versions, all recorded at one time, and the key with its result.
CREATE FUNCTION append_events(
    p_stream text, p_expected integer, p_key text, p_fingerprint text, p_result json,
    p_school text, p_partition text, p_actor text, p_role text, p_correlation text,
    p_causation text, p_ids uuid[], p_types text[], p_schema_versions integer[],
    p_occurred timestamptz[], p_data text[]
) RETURNS TABLE (out_position bigint, out_version integer, out_recorded timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_head bigint;
    v_current integer;
    v_recorded timestamptz;
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
    RETURN QUERY
    WITH written AS (
        INSERT INTO events (position, event_id, stream_id, stream_version, event_type,
            schema_version, school_id, partition_key, occurred_at, recorded_at, actor_id,
            actor_role, correlation_id, causation_id, data)
        SELECT v_head + d.n, d.id, p_stream, v_current + d.n::integer, d.event_type,
            d.schema_version, p_school, p_partition, COALESCE(d.occurred_at, v_recorded),
            v_recorded, p_actor, p_role, p_correlation, p_causation, d.body::json
        FROM unnest(p_ids, p_types, p_schema_versions, p_occurred, p_data)
            WITH ORDINALITY AS d(id, event_type, schema_version, occurred_at, body, n)
        RETURNING events.position, events.stream_version, events.recorded_at
    )
    SELECT w.position, w.stream_version, w.recorded_at FROM written w ORDER BY w.stream_version;
    IF p_key IS NOT NULL THEN
        INSERT INTO command_results (key, fingerprint, result, recorded_at)
        VALUES (p_key, p_fingerprint, p_result, v_recorded);
    END IF;
END
$$;
