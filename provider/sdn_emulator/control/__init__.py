"""The emulator's control plane for tools: gRPC ``EmulatorControl`` (from proto/), ``ctl`` CLI, status page."""
