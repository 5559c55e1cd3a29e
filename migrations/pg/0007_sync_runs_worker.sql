-- Which process ran each sync (issue 18, workers): `host:pid`, set by every run (`sync`,
-- `schedule`, `worker`). NULL for runs recorded before this migration.
ALTER TABLE "sync_runs" ADD COLUMN "worker" text;
--> statement-breakpoint
-- Each location's request window and daily count shared by every process (issue 18): requests
-- per slot of a twentieth of the window (slot = epoch ms / slot ms), and per UTC day.
CREATE TABLE "rate_window" (
	"location_id" text NOT NULL,
	"slot" bigint NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rate_window_location_id_slot_pk" PRIMARY KEY("location_id","slot")
);
--> statement-breakpoint
CREATE TABLE "rate_daily" (
	"location_id" text NOT NULL,
	"day" date NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "rate_daily_location_id_day_pk" PRIMARY KEY("location_id","day")
);
--> statement-breakpoint
-- Reserves up to p_want requests of a location: granted while the last 22 slots (a tenth over
-- the window: HighLevel counts a request when it arrives, a little after it was reserved, in a
-- sliding window) hold fewer than p_max and the day's
-- count is under p_daily; else retry_in_ms says when the oldest counted slot leaves the window.
-- p_returned: turns this caller reserved before and never used; they leave the day's count (the
-- day counts requests sent, while a window slot keeps its reservations until it passes).
-- One caller per location at a time (a transaction-scoped advisory lock); each statement in the
-- function sees the rows committed before it, so no two processes take the same place.
CREATE FUNCTION "ghl_etl_reserve_requests"(p_location text, p_want integer, p_max integer, p_interval_ms integer, p_daily integer, p_returned integer,
  OUT granted integer, OUT retry_in_ms integer, OUT exhausted boolean)
LANGUAGE plpgsql AS $$
DECLARE
  slot_ms bigint := greatest(p_interval_ms / 20, 1);
  now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
  cur bigint := now_ms / slot_ms;
  today date := (clock_timestamp() AT TIME ZONE 'UTC')::date;
  used integer;
  oldest bigint;
  spent integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ghl-etl rate ' || p_location));
  IF p_returned > 0 THEN
    UPDATE rate_daily SET requests = greatest(0, requests - p_returned) WHERE location_id = p_location AND day = today;
  END IF;
  DELETE FROM rate_window WHERE location_id = p_location AND slot <= cur - 22;
  SELECT coalesce(sum(requests), 0), min(slot) INTO used, oldest FROM rate_window WHERE location_id = p_location;
  SELECT coalesce(max(requests), 0) INTO spent FROM rate_daily WHERE location_id = p_location AND day = today;
  exhausted := spent >= p_daily;
  granted := least(p_want, p_max - used, p_daily - spent);
  retry_in_ms := 0;
  IF exhausted OR granted <= 0 THEN
    granted := 0;
    retry_in_ms := CASE WHEN oldest IS NULL THEN slot_ms ELSE greatest(1, (oldest + 22) * slot_ms - now_ms) END;
    RETURN;
  END IF;
  INSERT INTO rate_window (location_id, slot, requests) VALUES (p_location, cur, granted)
    ON CONFLICT (location_id, slot) DO UPDATE SET requests = rate_window.requests + excluded.requests;
  INSERT INTO rate_daily (location_id, day, requests) VALUES (p_location, today, granted)
    ON CONFLICT (location_id, day) DO UPDATE SET requests = rate_daily.requests + excluded.requests;
END
$$;
