"""The review queue: store, web app, auth and audit log."""
