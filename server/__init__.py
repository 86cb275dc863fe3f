"""Houvast: guided grounding and attachment-repair exercises, served in Dutch and English."""
