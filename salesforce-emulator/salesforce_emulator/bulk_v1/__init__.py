"""Bulk API 1.0 query jobs (``/services/async/XX.X/job``), as singer-io's tap-salesforce uses them.

``models`` holds the jobs and batches (no HTTP), ``wire`` their XML and JSON shapes, and
``handlers`` the routes: each handler checks the ``X-SFDC-Session`` header (or a bearer token),
counts one API call and answers errors as Bulk 1.0 ``<error>`` bodies.
"""
