"""The alerting domain: signal rules, alert documents, webhook signing, delivery and retries.

Pure Python on top of pydantic and httpx; storage is reached only through the Protocols in
:mod:`alerts.storage` and :class:`alerts.signals.SignalHistory`, which the service implements.
"""
