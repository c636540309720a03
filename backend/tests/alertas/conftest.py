from tests.whatsapp.conftest import graph, settings  # noqa: F401 - WhatsApp against the fake Graph API
