-- The outbox also holds the HighLevel calls the bridge owes (issue 20, `bridge.onNewContact`).
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_kind_check";--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_kind_check" CHECK ("outbox"."kind" IN ('leadcars.createLead', 'leadcars.comment', 'highlevel.addToWorkflow', 'highlevel.addToCampaign', 'highlevel.addFollowers'));
