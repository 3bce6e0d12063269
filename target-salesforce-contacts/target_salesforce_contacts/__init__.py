"""target-salesforce-contacts."""
