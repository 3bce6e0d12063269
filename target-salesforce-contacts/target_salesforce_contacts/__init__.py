"""target-salesforce-contacts: a Singer target that upserts Salesforce Contacts by email."""
