"""The cmdlets the shipped scripts may call, with their parameter sets, as Microsoft Learn documents them.

Taken from the Learn pages' sources (github.com/MicrosoftDocs/windows-powershell-docs ``docset/winserver{2016,
2019,2022}-ps/failoverclusters/*.md`` and github.com/MicrosoftDocs/PowerShell-Docs ``reference/5.1/*``), each
entry citing its Learn page. FailoverClusters entries keep only the parameters all three of Windows Server 2016,
2019 and 2022 document (the provider supports all three); ``newer`` names the ones that appeared later, so a
script using one gets a message saying which release added it. Core cmdlets are those of Windows PowerShell 5.1,
which is what ``powershell.exe`` is on every supported release (PowerShell 7's additions, such as
``ForEach-Object -Parallel`` or ``ConvertFrom-Json -AsHashtable``, are therefore unknown parameters here).

Set names are Learn's (``__AllParameterSets`` where the page documents a single syntax). A parameter documented
for "(All)" sets is listed in every set. Common parameters are not listed: ``COMMON_PARAMETERS`` has them.

To let a script use another cmdlet, add its entry here from its Learn page (all three Windows Server versions for a
FailoverClusters cmdlet), citing the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAILOVERCLUSTERS = "FailoverClusters"
CORE = "Microsoft.PowerShell.Core"
UTILITY = "Microsoft.PowerShell.Utility"
MANAGEMENT = "Microsoft.PowerShell.Management"

# about_CommonParameters (5.1): https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters?view=powershell-5.1
# The page also lists ProgressAction (proga), but says it was added in PowerShell 7.4: see PS7_COMMON_PARAMETERS.
COMMON_PARAMETERS = {
    "Debug": "db",
    "ErrorAction": "ea",
    "ErrorVariable": "ev",
    "InformationAction": "infa",
    "InformationVariable": "iv",
    "OutVariable": "ov",
    "OutBuffer": "ob",
    "PipelineVariable": "pv",
    "Verbose": "vb",
    "WarningAction": "wa",
    "WarningVariable": "wv",
}
PS7_COMMON_PARAMETERS = {"ProgressAction": "7.4", "proga": "7.4"}

# Every cmdlet of the FailoverClusters module on Windows Server 2016, 2019 or 2022 (the union of the three docsets'
# cmdlet pages): a name outside this list is not a FailoverClusters cmdlet at all.
# https://learn.microsoft.com/powershell/module/failoverclusters/?view=windowsserver2022-ps
FAILOVERCLUSTERS_MODULE = frozenset(
    (
        "Add-ClusterCheckpoint Add-ClusterDisk Add-ClusterFileServerRole Add-ClusterGenericApplicationRole "
        "Add-ClusterGenericScriptRole Add-ClusterGenericServiceRole Add-ClusterGroup "
        "Add-ClusterGroupSetDependency Add-ClusterGroupToAffinityRule Add-ClusterGroupToSet Add-ClusterNode "
        "Add-ClusterResource Add-ClusterResourceDependency Add-ClusterResourceType "
        "Add-ClusterScaleOutFileServerRole Add-ClusterSharedVolume Add-ClusterSharedVolumeToAffinityRule "
        "Add-ClusterVMMonitoredItem Add-ClusterVirtualMachineRole Add-ClusteriSCSITargetServerRole "
        "Block-ClusterAccess Clear-ClusterDiskReservation Clear-ClusterNode "
        "Disable-ClusterStorageSpacesDirect Enable-ClusterStorageSpacesDirect Get-Cluster Get-ClusterAccess "
        "Get-ClusterAffinityRule Get-ClusterAvailableDisk Get-ClusterCheckpoint Get-ClusterDiagnosticInfo "
        "Get-ClusterFaultDomain Get-ClusterFaultDomainXML Get-ClusterGroup Get-ClusterGroupSet "
        "Get-ClusterGroupSetDependency Get-ClusterLog Get-ClusterNetwork Get-ClusterNetworkInterface "
        "Get-ClusterNode Get-ClusterOwnerNode Get-ClusterParameter Get-ClusterQuorum Get-ClusterResource "
        "Get-ClusterResourceDependency Get-ClusterResourceDependencyReport Get-ClusterResourceType "
        "Get-ClusterSharedVolume Get-ClusterSharedVolumeState Get-ClusterStorageSpacesDirect "
        "Get-ClusterVMMonitoredItem Grant-ClusterAccess Move-ClusterGroup Move-ClusterResource "
        "Move-ClusterSharedVolume Move-ClusterVirtualMachineRole New-Cluster New-ClusterAffinityRule "
        "New-ClusterFaultDomain New-ClusterGroupSet New-ClusterNameAccount Remove-Cluster "
        "Remove-ClusterAccess Remove-ClusterAffinityRule Remove-ClusterCheckpoint Remove-ClusterFaultDomain "
        "Remove-ClusterGroup Remove-ClusterGroupFromAffinityRule Remove-ClusterGroupFromSet "
        "Remove-ClusterGroupSet Remove-ClusterGroupSetDependency Remove-ClusterNode Remove-ClusterResource "
        "Remove-ClusterResourceDependency Remove-ClusterResourceType Remove-ClusterSharedVolume "
        "Remove-ClusterSharedVolumeFromAffinityRule Remove-ClusterVMMonitoredItem "
        "Repair-ClusterStorageSpacesDirect Reset-ClusterVMMonitoredState Resume-ClusterNode "
        "Resume-ClusterResource Set-ClusterAffinityRule Set-ClusterFaultDomain Set-ClusterFaultDomainXML "
        "Set-ClusterGroupSet Set-ClusterLog Set-ClusterOwnerNode Set-ClusterParameter Set-ClusterQuorum "
        "Set-ClusterResourceDependency Set-ClusterStorageSpacesDirect Set-ClusterStorageSpacesDirectDisk "
        "Start-Cluster Start-ClusterGroup Start-ClusterNode Start-ClusterResource Stop-Cluster "
        "Stop-ClusterGroup Stop-ClusterNode Stop-ClusterResource Suspend-ClusterNode Suspend-ClusterResource "
        "Test-Cluster Test-ClusterResourceFailure Update-ClusterFunctionalLevel Update-ClusterIPResource "
        "Update-ClusterNetworkNameResource Update-ClusterVirtualMachineConfiguration "
    ).split()
)


@dataclass(frozen=True)
class Cmdlet:
    """One cmdlet: its parameter sets (set name -> parameter names), parameter aliases, and where Learn says so."""

    name: str
    module: str
    url: str
    parameter_sets: dict[str, frozenset[str]]
    aliases: dict[str, str] = field(default_factory=dict)
    newer: dict[str, str] = field(default_factory=dict)

    @property
    def parameters(self) -> frozenset[str]:
        return frozenset().union(*self.parameter_sets.values())


def _cmdlet(
    name: str,
    module: str,
    url: str,
    sets: dict[str, str],
    aliases: dict[str, str] | None = None,
    newer: dict[str, str] | None = None,
) -> Cmdlet:
    return Cmdlet(name, module, url, {s: frozenset(p.split()) for s, p in sets.items()}, aliases or {}, newer or {})


_TABLE = (
    _cmdlet(
        "New-Cluster",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/new-cluster?view=windowsserver2022-ps",
        {
            "__AllParameterSets": (
                "AdministrativeAccessPoint Force IgnoreNetwork Name NoStorage Node S2D StaticAddress"
            ),
        },
        aliases={"aap": "AdministrativeAccessPoint"},
        newer={"ManagementPointNetworkType": "2019"},
    ),
    _cmdlet(
        "Add-ClusterNode",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/add-clusternode?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name NoStorage",
        },
    ),
    _cmdlet(
        "Remove-ClusterNode",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/remove-clusternode?view=windowsserver2022-ps",
        {
            "__AllParameterSets": (
                "CleanupDisks Cluster Confirm Force IgnoreStorageConnectivityLoss InputObject Name Wait WhatIf"
            ),
        },
        aliases={"cf": "Confirm", "wi": "WhatIf"},
    ),
    _cmdlet(
        "Remove-Cluster",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/remove-cluster?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "CleanupAD Cluster Confirm Force InputObject WhatIf",
        },
        aliases={"cf": "Confirm", "wi": "WhatIf"},
    ),
    _cmdlet(
        "Get-Cluster",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-cluster?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Domain Name",
        },
    ),
    _cmdlet(
        "Get-ClusterNode",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusternode?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name",
        },
    ),
    _cmdlet(
        "Get-ClusterResource",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusterresource?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name VMId",
        },
    ),
    _cmdlet(
        "Get-ClusterGroup",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clustergroup?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name VMId",
        },
    ),
    _cmdlet(
        "Get-ClusterParameter",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusterparameter?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name",
        },
    ),
    _cmdlet(
        "Set-ClusterParameter",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/set-clusterparameter?view=windowsserver2022-ps",
        {
            "NoMultiple": "Cluster Create Delete InputObject",
            "Single Parameter": "Cluster Create Delete InputObject Name Value",
            "Multiple Parameter": "Cluster Create Delete InputObject Multiple",
        },
    ),
    _cmdlet(
        "Start-ClusterResource",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/start-clusterresource?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "ChooseBestNode Cluster IgnoreLocked InputObject Name Wait",
        },
    ),
    _cmdlet(
        "Stop-ClusterResource",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/stop-clusterresource?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster IgnoreLocked InputObject Name Wait",
        },
    ),
    _cmdlet(
        "Get-ClusterNetwork",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusternetwork?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name",
        },
    ),
    _cmdlet(
        "Get-ClusterResourceDependency",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusterresourcedependency?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster Guid InputObject Resource",
        },
    ),
    _cmdlet(
        "Move-ClusterGroup",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/move-clustergroup?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster IgnoreLocked InputObject Name Node Wait",
        },
    ),
    _cmdlet(
        "Get-ClusterOwnerNode",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusterownernode?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster Group InputObject Resource ResourceType",
        },
        aliases={"Res": "Resource", "ResType": "ResourceType"},
    ),
    _cmdlet(
        "Get-ClusterNetworkInterface",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusternetworkinterface?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name Network Node",
        },
    ),
    _cmdlet(
        "Get-ClusterResourceType",
        FAILOVERCLUSTERS,
        "https://learn.microsoft.com/powershell/module/failoverclusters/get-clusterresourcetype?view=windowsserver2022-ps",
        {
            "__AllParameterSets": "Cluster InputObject Name",
        },
    ),
    _cmdlet(
        "ConvertFrom-Json",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertfrom-json?view=powershell-5.1",
        {
            "__AllParameterSets": "InputObject",
        },
    ),
    _cmdlet(
        "ConvertTo-Json",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/convertto-json?view=powershell-5.1",
        {
            "__AllParameterSets": "Compress Depth InputObject",
        },
    ),
    _cmdlet(
        "Select-Object",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/select-object?view=powershell-5.1",
        {
            "DefaultParameter": "ExcludeProperty ExpandProperty First InputObject Last Property Skip Unique Wait",
            "SkipLastParameter": "ExcludeProperty ExpandProperty InputObject Property SkipLast Unique",
            "IndexParameter": "Index InputObject Unique Wait",
        },
    ),
    _cmdlet(
        "Sort-Object",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/sort-object?view=powershell-5.1",
        {
            "Default": "CaseSensitive Culture Descending InputObject Property Unique",
        },
    ),
    _cmdlet(
        "Write-Output",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-output?view=powershell-5.1",
        {
            "__AllParameterSets": "InputObject NoEnumerate",
        },
    ),
    _cmdlet(
        "Write-Error",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-error?view=powershell-5.1",
        {
            "NoException": (
                "Category CategoryActivity CategoryReason CategoryTargetName CategoryTargetType ErrorId Message "
                "RecommendedAction TargetObject"
            ),
            "WithException": (
                "Category CategoryActivity CategoryReason CategoryTargetName CategoryTargetType ErrorId Exception "
                "Message RecommendedAction TargetObject"
            ),
            "ErrorRecord": (
                "CategoryActivity CategoryReason CategoryTargetName CategoryTargetType ErrorRecord RecommendedAction"
            ),
        },
        aliases={
            "Activity": "CategoryActivity",
            "Reason": "CategoryReason",
            "TargetName": "CategoryTargetName",
            "TargetType": "CategoryTargetType",
            "Msg": "Message",
        },
    ),
    _cmdlet(
        "Write-Warning",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-warning?view=powershell-5.1",
        {"__AllParameterSets": "Message"},
        aliases={"Msg": "Message"},
    ),
    _cmdlet(
        "Write-Verbose",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/write-verbose?view=powershell-5.1",
        {"__AllParameterSets": "Message"},
        aliases={"Msg": "Message"},
    ),
    _cmdlet(
        "Add-Type",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/add-type?view=powershell-5.1",
        {
            "FromSource": (
                "CodeDomProvider CompilerParameters IgnoreWarnings Language OutputAssembly OutputType PassThru "
                "ReferencedAssemblies TypeDefinition"
            ),
            "FromMember": (
                "CodeDomProvider CompilerParameters IgnoreWarnings Language MemberDefinition Name Namespace "
                "OutputAssembly OutputType PassThru ReferencedAssemblies UsingNamespace"
            ),
            "FromPath": (
                "CompilerParameters IgnoreWarnings OutputAssembly OutputType PassThru Path ReferencedAssemblies"
            ),
            "FromLiteralPath": (
                "CompilerParameters IgnoreWarnings LiteralPath OutputAssembly OutputType PassThru ReferencedAssemblies"
            ),
            "FromAssemblyName": "AssemblyName IgnoreWarnings PassThru",
        },
        aliases={
            "AN": "AssemblyName",
            "Provider": "CodeDomProvider",
            "CP": "CompilerParameters",
            "PSPath": "LiteralPath",
            "NS": "Namespace",
            "OA": "OutputAssembly",
            "OT": "OutputType",
            "RA": "ReferencedAssemblies",
            "Using": "UsingNamespace",
        },
    ),
    _cmdlet(
        "Start-Sleep",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/start-sleep?view=powershell-5.1",
        {
            "Seconds": "Seconds",
            "Milliseconds": "Milliseconds",
        },
    ),
    _cmdlet(
        "Get-Date",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/get-date?view=powershell-5.1",
        {
            "net": "Date Day DisplayHint Format Hour Millisecond Minute Month Second Year",
            "UFormat": "Date Day DisplayHint Hour Millisecond Minute Month Second UFormat Year",
        },
        aliases={"LastWriteTime": "Date"},
    ),
    _cmdlet(
        "New-Object",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/new-object?view=powershell-5.1",
        {
            "Net": "ArgumentList Property TypeName",
            "Com": "ComObject Property Strict",
        },
        aliases={"Args": "ArgumentList"},
    ),
    _cmdlet(
        "Out-String",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/out-string?view=powershell-5.1",
        {
            "All": "InputObject Stream Width",
        },
    ),
    _cmdlet(
        "Measure-Object",
        UTILITY,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/measure-object?view=powershell-5.1",
        {
            "GenericMeasure": "Average InputObject Maximum Minimum Property Sum",
            "TextMeasure": "Character IgnoreWhiteSpace InputObject Line Property Word",
        },
    ),
    _cmdlet(
        "ForEach-Object",
        CORE,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/foreach-object?view=powershell-5.1",
        {
            "ScriptBlockSet": "Begin Confirm End InputObject Process RemainingScripts WhatIf",
            "PropertyAndMethodSet": "ArgumentList Confirm InputObject MemberName WhatIf",
        },
        aliases={"Args": "ArgumentList", "cf": "Confirm", "wi": "WhatIf"},
    ),
    _cmdlet(
        "Where-Object",
        CORE,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/where-object?view=powershell-5.1",
        {
            "EqualSet": "EQ InputObject Property Value",
            "ScriptBlockSet": "FilterScript InputObject",
            "MatchSet": "InputObject Match Property Value",
            "CaseSensitiveEqualSet": "CEQ InputObject Property Value",
            "NotEqualSet": "InputObject NE Property Value",
            "CaseSensitiveNotEqualSet": "CNE InputObject Property Value",
            "GreaterThanSet": "GT InputObject Property Value",
            "CaseSensitiveGreaterThanSet": "CGT InputObject Property Value",
            "LessThanSet": "InputObject LT Property Value",
            "CaseSensitiveLessThanSet": "CLT InputObject Property Value",
            "GreaterOrEqualSet": "GE InputObject Property Value",
            "CaseSensitiveGreaterOrEqualSet": "CGE InputObject Property Value",
            "LessOrEqualSet": "InputObject LE Property Value",
            "CaseSensitiveLessOrEqualSet": "CLE InputObject Property Value",
            "LikeSet": "InputObject Like Property Value",
            "CaseSensitiveLikeSet": "CLike InputObject Property Value",
            "NotLikeSet": "InputObject NotLike Property Value",
            "CaseSensitiveNotLikeSet": "CNotLike InputObject Property Value",
            "CaseSensitiveMatchSet": "CMatch InputObject Property Value",
            "NotMatchSet": "InputObject NotMatch Property Value",
            "CaseSensitiveNotMatchSet": "CNotMatch InputObject Property Value",
            "ContainsSet": "Contains InputObject Property Value",
            "CaseSensitiveContainsSet": "CContains InputObject Property Value",
            "NotContainsSet": "InputObject NotContains Property Value",
            "CaseSensitiveNotContainsSet": "CNotContains InputObject Property Value",
            "InSet": "In InputObject Property Value",
            "CaseSensitiveInSet": "CIn InputObject Property Value",
            "NotInSet": "InputObject NotIn Property Value",
            "CaseSensitiveNotInSet": "CNotIn InputObject Property Value",
            "IsSet": "InputObject Is Property Value",
            "IsNotSet": "InputObject IsNot Property Value",
        },
        aliases={
            "IContains": "Contains",
            "IEQ": "EQ",
            "IGE": "GE",
            "IGT": "GT",
            "IIn": "In",
            "ILE": "LE",
            "ILike": "Like",
            "ILT": "LT",
            "IMatch": "Match",
            "INE": "NE",
            "INotContains": "NotContains",
            "INotIn": "NotIn",
            "INotLike": "NotLike",
            "INotMatch": "NotMatch",
        },
    ),
    _cmdlet(
        "Import-Module",
        CORE,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/import-module?view=powershell-5.1",
        {
            "Name": (
                "Alias ArgumentList AsCustomObject Cmdlet DisableNameChecking Force Function Global MaximumVersion "
                "MinimumVersion Name NoClobber PassThru Prefix RequiredVersion Scope Variable"
            ),
            "PSSession": (
                "Alias ArgumentList AsCustomObject Cmdlet DisableNameChecking Force Function Global MaximumVersion "
                "MinimumVersion Name NoClobber PSSession PassThru Prefix RequiredVersion Scope Variable"
            ),
            "CimSession": (
                "Alias ArgumentList AsCustomObject CimNamespace CimResourceUri CimSession Cmdlet "
                "DisableNameChecking Force Function Global MaximumVersion MinimumVersion Name NoClobber PassThru "
                "Prefix RequiredVersion Scope Variable"
            ),
            "FullyQualifiedName": (
                "Alias ArgumentList AsCustomObject Cmdlet DisableNameChecking Force FullyQualifiedName Function "
                "Global NoClobber PassThru Prefix Scope Variable"
            ),
            "FullyQualifiedNameAndPSSession": (
                "Alias ArgumentList AsCustomObject Cmdlet DisableNameChecking Force FullyQualifiedName Function "
                "Global NoClobber PSSession PassThru Prefix Scope Variable"
            ),
            "Assembly": (
                "Alias ArgumentList AsCustomObject Assembly Cmdlet DisableNameChecking Force Function Global "
                "NoClobber PassThru Prefix Scope Variable"
            ),
            "ModuleInfo": (
                "Alias ArgumentList AsCustomObject Cmdlet DisableNameChecking Force Function Global ModuleInfo "
                "NoClobber PassThru Prefix Scope Variable"
            ),
        },
        aliases={"Args": "ArgumentList", "Version": "MinimumVersion", "NoOverwrite": "NoClobber"},
    ),
    _cmdlet(
        "Out-Null",
        CORE,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/out-null?view=powershell-5.1",
        {
            "__AllParameterSets": "InputObject",
        },
    ),
    _cmdlet(
        "Get-Service",
        MANAGEMENT,
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-service?view=powershell-5.1",
        {
            "Default": "ComputerName DependentServices Exclude Include Name RequiredServices",
            "DisplayName": "ComputerName DependentServices DisplayName Exclude Include RequiredServices",
            "InputObject": "ComputerName DependentServices Exclude Include InputObject RequiredServices",
        },
        aliases={
            "Cn": "ComputerName",
            "DS": "DependentServices",
            "ServiceName": "Name",
            "SDO": "RequiredServices",
            "ServicesDependedOn": "RequiredServices",
        },
    ),
)

CMDLETS = {c.name.lower(): c for c in _TABLE}
