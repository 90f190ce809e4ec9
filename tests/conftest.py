"""Session fixtures shared by the e2e tests: one emulator and one reattached provider per worker."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import RESULTS_ENV, MatrixTally
from tests.harness import TERRAFORM_BINARY, Emulator, ProviderServer, Terraform, install_mirror


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = Emulator.start(delay=0.05)
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def provider_server() -> Iterator[ProviderServer]:
    server = ProviderServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cli_config(tmp_path_factory) -> Path:
    """A filesystem mirror + CLI config, as `terraform-provider-sdn install` makes for users."""
    return install_mirror(tmp_path_factory.mktemp("mirror"))


@pytest.fixture
def tf(tmp_path: Path, provider_server: ProviderServer) -> Terraform:
    """Terraform in a fresh directory, talking to the session's reattached provider (no init needed)."""
    return Terraform(tmp_path, {"TF_REATTACH_PROVIDERS": provider_server.reattach, "TF_CLI_CONFIG_FILE": "/dev/null"})


def pytest_configure(config: pytest.Config) -> None:
    # Workers inherit the controller's environment, so they all write into the controller's directory.
    if not hasattr(config, "workerinput") and RESULTS_ENV not in os.environ:
        os.environ[RESULTS_ENV] = tempfile.mkdtemp(prefix="sdn-fault-matrix-")


MATRIX = MatrixTally()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    MATRIX.add(report)  # on the controller: every worker's reports arrive here


def pytest_report_header(config: pytest.Config) -> str:
    return f"terraform: {TERRAFORM_BINARY}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        terminalreporter.write_line(f"terraform: this run drove {TERRAFORM_BINARY}")


def pytest_unconfigure(config: pytest.Config) -> None:
    """The fault matrix's line comes last, after pytest's own counts, so `make faults` ends with it."""
    directory = os.environ.get(RESULTS_ENV)
    line = MATRIX.summarize(Path(directory)) if directory and not hasattr(config, "workerinput") else None
    if line:
        config.get_terminal_writer().line(line)
