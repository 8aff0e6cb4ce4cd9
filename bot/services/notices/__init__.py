"""Notice use cases: scheduled delivery, the /notice flow, /notices and /outage, file import."""
