"""Django's own rendering of a time (``{{ value }}`` without a filter, the admin's lists and forms'
read-only fields) as the portal writes times everywhere: in the portal's zone, named
(``5 Dec 2026 14:03 EST``; ``lead_portal.formatting.when``)."""

DATETIME_FORMAT = "j M Y H:i T"
SHORT_DATETIME_FORMAT = "j M Y H:i T"
