-- The shared request window learns whose reservations are whose (issue 18). A process's own
-- requests are counted exactly by its own limiter's log (from sending until a window after the
-- answer, src/ghl/limiter.ts), so the database now counts only the OTHER processes' reservations
-- (with the tenth to spare for their latency, as before) and the caller's own log: a process alone
-- on a location paces at the full rate, not at 1/1.1 of it. `holder` names one process's client
-- (a random id per client, so a worker's next job is "another" to its last one).
ALTER TABLE "rate_window" ADD COLUMN "holder" text DEFAULT '' NOT NULL;
--> statement-breakpoint
ALTER TABLE "rate_window" DROP CONSTRAINT "rate_window_location_id_slot_pk";
--> statement-breakpoint
ALTER TABLE "rate_window" ADD CONSTRAINT "rate_window_location_id_slot_holder_pk" PRIMARY KEY("location_id","slot","holder");
--> statement-breakpoint
DROP FUNCTION "ghl_etl_reserve_requests"(text, integer, integer, integer, integer, integer);
--> statement-breakpoint
-- Reserves up to p_want requests of a location for p_holder, whose own requests in the window
-- (sent or answered within it, from its limiter's log) are p_mine: granted while the other
-- holders' reservations in the last 22 slots (a tenth over the window: HighLevel counts a request
-- when it arrives, a little after it was reserved) plus p_mine stay under p_max and the day's count
-- is under p_daily; else retry_in_ms says when to ask again (the oldest other reservation leaving
-- the window, at most a slot away). p_returned: turns this caller reserved before and never used;
-- they leave the day's count (the day counts requests sent; a window slot keeps its reservations
-- until it passes). One caller per location at a time (a transaction-scoped advisory lock).
CREATE FUNCTION "ghl_etl_reserve_requests"(p_location text, p_holder text, p_mine integer, p_want integer, p_max integer,
  p_interval_ms integer, p_daily integer, p_returned integer,
  OUT granted integer, OUT retry_in_ms integer, OUT exhausted boolean)
LANGUAGE plpgsql AS $$
DECLARE
  slot_ms bigint := greatest(p_interval_ms / 20, 1);
  now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
  cur bigint := now_ms / slot_ms;
  today date := (clock_timestamp() AT TIME ZONE 'UTC')::date;
  others integer;
  oldest bigint;
  spent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ghl-etl rate ' || p_location));
  IF p_returned > 0 THEN
    UPDATE rate_daily SET requests = greatest(0, requests - p_returned) WHERE location_id = p_location AND day = today;
  END IF;
  DELETE FROM rate_window WHERE location_id = p_location AND slot <= cur - 22;
  SELECT coalesce(sum(requests), 0), min(slot) INTO others, oldest FROM rate_window WHERE location_id = p_location AND holder <> p_holder;
  SELECT coalesce(max(requests), 0) INTO spent FROM rate_daily WHERE location_id = p_location AND day = today;
  exhausted := spent >= p_daily;
  granted := least(p_want, p_max - others - greatest(p_mine, 0), p_daily - spent);
  retry_in_ms := 0;
  IF exhausted OR granted <= 0 THEN
    granted := 0;
    retry_in_ms := CASE WHEN oldest IS NULL THEN slot_ms ELSE greatest(1, least(slot_ms, (oldest + 22) * slot_ms - now_ms)) END;
    RETURN;
  END IF;
  INSERT INTO rate_window (location_id, slot, holder, requests) VALUES (p_location, cur, p_holder, granted)
    ON CONFLICT (location_id, slot, holder) DO UPDATE SET requests = rate_window.requests + excluded.requests;
  INSERT INTO rate_daily (location_id, day, requests) VALUES (p_location, today, granted)
    ON CONFLICT (location_id, day) DO UPDATE SET requests = rate_daily.requests + excluded.requests;
END
$$;
