"""Alert rules over the mirrored data, sent through a channel (WhatsApp)."""
