# sdn-library: helpers every script shares; the transport sends this text ahead of each script.
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"
Import-Module FailoverClusters

function Get-SdnNodeClusterState {
    # clusapi GetNodeClusterState (Microsoft Learn): 0 not installed, 1 not configured, 3 not running, 19 running.
    if (-not ("SdnNative.ClusApi" -as [type])) {
        Add-Type -Namespace SdnNative -Name ClusApi -MemberDefinition @'
[DllImport("clusapi.dll", CharSet = CharSet.Unicode)]
public static extern uint GetNodeClusterState(string node, out uint state);
'@
    }
    $state = [uint32]0
    [void][SdnNative.ClusApi]::GetNodeClusterState($null, [ref]$state)
    $state
}

function Get-SdnLocalCluster {
    # The local cluster: no -Cluster, so no DNS lookup of the cluster name (which may resolve to an SLB VIP).
    # Only a node that is not a cluster member is "no cluster"; ClusSvc stopped, lost quorum, RPC errors and
    # access denied stay errors, so a refresh never mistakes a live cluster for a deleted one.
    try {
        Get-Cluster
    } catch {
        $state = Get-SdnNodeClusterState
        if ($state -eq 0 -or $state -eq 1) { return $null }
        throw
    }
}

function Assert-SdnCluster([string]$Expected) {
    # Cluster writes run on a member against its local cluster; refuse a node that is in another cluster.
    $c = Get-SdnLocalCluster
    if (-not $c) { throw "This node ($env:COMPUTERNAME) is not a member of cluster '$Expected'." }
    if ($c.Name -ne $Expected) {
        throw "This node ($env:COMPUTERNAME) is a member of cluster '$($c.Name)', not of '$Expected'."
    }
    $c
}

function Get-SdnCoreResource([string]$Type) {
    # The core group by GroupType and its resource by ResourceType, as FailoverClusterDsc does: resource names
    # are localized on non-English Windows and may be renamed.
    $group = Get-ClusterGroup | Where-Object { "$($_.GroupType)" -eq "Cluster" } | Select-Object -First 1
    Get-ClusterResource | Where-Object { "$($_.ResourceType)" -eq $Type -and "$($_.OwnerGroup)" -eq $group.Name } |
        Select-Object -First 1
}

function Resolve-SdnResource([string]$Name, [string]$Type) {
    if ($Name) { return Get-ClusterResource -Name $Name }
    $r = Get-SdnCoreResource $Type
    if (-not $r) { throw "The core cluster group has no '$Type' resource." }
    $r
}

function Get-SdnResource($Resource) {
    $p = [ordered]@{}
    foreach ($x in (Get-ClusterParameter -InputObject $Resource)) { $p[$x.Name] = $x.Value }
    $d = Get-ClusterResourceDependency -Resource $Resource.Name
    [ordered]@{
        name = $Resource.Name; state = "$($Resource.State)"; owner_node = "$($Resource.OwnerNode)"
        resource_type = "$($Resource.ResourceType)"; owner_group = "$($Resource.OwnerGroup)"
        dependencies = "$($d.DependencyExpression)"; parameters = $p
    }
}

function Get-SdnCluster {
    $c = Get-SdnLocalCluster
    if (-not $c) { return [ordered]@{ exists = $false } }
    $nodes = @(Get-ClusterNode | ForEach-Object { [ordered]@{ name = $_.Name; state = "$($_.State)" } })
    $ip = Get-SdnCoreResource "IP Address"
    $nm = Get-SdnCoreResource "Network Name"
    $ipInfo = $null
    $static = $null
    if ($ip) {
        $p = @{}
        foreach ($x in (Get-ClusterParameter -InputObject $ip)) { $p[$x.Name] = $x.Value }
        $ipInfo = [ordered]@{ name = $ip.Name; state = "$($ip.State)"; owner_node = "$($ip.OwnerNode)"; parameters = $p }
        if ("$($p.EnableDhcp)" -eq "0") { $static = $p.Address }
    }
    $nameRes = if ($nm) { $nm.Name } else { $null }
    [ordered]@{
        exists = $true; name = $c.Name; nodes = $nodes; static_address = $static; ip_resource = $ipInfo
        name_resource = $nameRes
    }
}

function Write-SdnResult($Value) {
    $Value | ConvertTo-Json -Depth 6 -Compress
}

function Write-SdnError($ErrorRecord) {
    $record = [ordered]@{
        message = $ErrorRecord.Exception.Message
        category = "$($ErrorRecord.CategoryInfo.Category)"
        cmdlet = "$($ErrorRecord.InvocationInfo.MyCommand.Name)"
        fullyQualifiedErrorId = "$($ErrorRecord.FullyQualifiedErrorId)"
    }
    @{ error = $record } | ConvertTo-Json -Depth 6 -Compress
}
