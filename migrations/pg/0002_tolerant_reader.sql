CREATE TABLE "answer_drift" (
	"location_id" text NOT NULL,
	"operation" text NOT NULL,
	"field" text NOT NULL,
	"problem" text NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"first_seen" timestamp(3) with time zone NOT NULL,
	"last_seen" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "answer_drift_location_id_operation_field_problem_pk" PRIMARY KEY("location_id","operation","field","problem")
);
--> statement-breakpoint
CREATE TABLE "mirror_repairs" (
	"location_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "mirror_repairs_location_id_contact_id_pk" PRIMARY KEY("location_id","contact_id")
);
