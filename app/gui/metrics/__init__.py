"""The Metrics view: live plots of the machine and the engine, and their ring buffers."""
