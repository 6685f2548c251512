-- A token may be scoped to one org (an IAM-style project token of the ROMA door); NULL: any org the user may see.
ALTER TABLE tokens ADD COLUMN org_id char(32) REFERENCES orgs(id) ON DELETE CASCADE;
