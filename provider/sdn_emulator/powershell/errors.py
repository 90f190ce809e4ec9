"""PowerShell's ErrorRecord, the terminating error that carries it, and the interpreter's control flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorRecord:
    """The parts of System.Management.Automation.ErrorRecord scripts read or powershell.exe prints.

    ``cmdlet`` is ``$_.InvocationInfo.MyCommand.Name`` ("" where MyCommand is $null, as for ``throw``);
    ``prefix`` is what the console view puts before `` : `` (the cmdlet, or the unknown term)."""

    message: str
    category: str
    fully_qualified_error_id: str
    cmdlet: str = ""
    target: str = ""
    exception_type: str = "RuntimeException"
    prefix: str | None = None

    def as_object(self) -> Any:
        """``$_`` in a catch block: Exception.Message, CategoryInfo.Category, InvocationInfo.MyCommand.Name,
        FullyQualifiedErrorId (about_Try_Catch_Finally; ErrorRecord class on Microsoft Learn)."""
        from .values import PSObject

        command = PSObject("System.Management.Automation.CmdletInfo", Name=self.cmdlet) if self.cmdlet else None
        return PSObject(
            "System.Management.Automation.ErrorRecord",
            Exception=PSObject(f"System.{self.exception_type}", Message=self.message),
            CategoryInfo=PSObject("System.Management.Automation.ErrorCategoryInfo", Category=self.category),
            InvocationInfo=PSObject("System.Management.Automation.InvocationInfo", MyCommand=command),
            FullyQualifiedErrorId=self.fully_qualified_error_id,
        )

    def console_text(self) -> str:
        """The error as powershell.exe 5.1 writes an uncaught one (NormalView; the ``At line:`` position lines
        are left out, as the emulator always wrote them)."""
        prefix = self.cmdlet if self.prefix is None else self.prefix
        head = f"{prefix} : {self.message}" if prefix else self.message
        return (
            f"{head}\r\n    + CategoryInfo          : {self.category}: ({self.target}:String) [{self.cmdlet}], "
            f"{self.exception_type}\r\n    + FullyQualifiedErrorId : {self.fully_qualified_error_id}\r\n"
        )


class PSError(Exception):
    """A terminating error: ``try``/``catch`` sees it, else it ends the script (about_Try_Catch_Finally)."""

    def __init__(self, record: ErrorRecord):
        super().__init__(record.message)
        self.record = record


def thrown(message: str) -> PSError:
    """``throw "text"``: a RuntimeException whose error id is the text, category OperationStopped, no command
    (about_Throw)."""
    return PSError(ErrorRecord(message, "OperationStopped", message, target=message))


def command_not_found(term: str) -> PSError:
    """What PowerShell raises for a name that is no cmdlet, function or program (about_Command_Precedence)."""
    return PSError(
        ErrorRecord(
            f"The term '{term}' is not recognized as the name of a cmdlet, function, script file, or operable "
            "program. Check the spelling of the name, or if a path was included, verify that the path is correct "
            "and try again.",
            "ObjectNotFound",
            "CommandNotFoundException",
            target=term,
            exception_type="CommandNotFoundException",
            prefix=term,
        )
    )


class ExitScript(Exception):  # noqa: N818 - control flow, not an error
    """``exit N``: ends the whole script; ``finally`` blocks still run, ``catch`` never sees it
    (about_Language_Keywords)."""

    def __init__(self, code: int):
        super().__init__(f"exit {code}")
        self.code = code


class ReturnFromFunction(Exception):  # noqa: N818 - control flow, not an error
    """``return``: leaves the current function or script block (about_Return)."""
