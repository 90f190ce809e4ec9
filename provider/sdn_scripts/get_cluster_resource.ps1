# sdn-script: get_cluster_resource
# One resource with its owner, dependencies and private parameters (drift detection).
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"
Import-Module FailoverClusters
function Get-SdnResource([string]$Name) {
    $r = Get-ClusterResource -Name $Name
    $p = [ordered]@{}
    foreach ($x in (Get-ClusterParameter -InputObject $r)) { $p[$x.Name] = $x.Value }
    $d = Get-ClusterResourceDependency -Resource $r.Name
    [ordered]@{
        name = $r.Name; state = "$($r.State)"; owner_node = "$($r.OwnerNode)"; resource_type = "$($r.ResourceType)"
        owner_group = "$($r.OwnerGroup)"; dependencies = "$($d.DependencyExpression)"; parameters = $p
    }
}
try {
    Get-SdnResource ([string]$SdnInput.resource_name) | ConvertTo-Json -Depth 6 -Compress
} catch {
    $e = $_
    $record = [ordered]@{
        message = $e.Exception.Message
        category = "$($e.CategoryInfo.Category)"
        cmdlet = "$($e.InvocationInfo.MyCommand.Name)"
        fullyQualifiedErrorId = "$($e.FullyQualifiedErrorId)"
    }
    @{ error = $record } | ConvertTo-Json -Depth 6 -Compress
    exit 1
}
