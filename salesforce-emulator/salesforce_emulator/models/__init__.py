"""The org's state, without HTTP: data, metadata, OAuth, query cursors and Bulk jobs."""
