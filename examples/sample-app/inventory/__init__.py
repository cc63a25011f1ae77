"""A tiny inventory service used by `make demo` (it has planted problems on purpose)."""
