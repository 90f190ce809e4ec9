"""A static check of the PowerShell the provider sends to Windows nodes (issue 14).

``grammar`` parses with tree-sitter's PowerShell grammar and finds constructs Windows PowerShell 5.1 lacks;
``cmdlets`` is the table of cmdlets and parameter sets taken from Microsoft Learn; ``check`` puts them together.
"""
