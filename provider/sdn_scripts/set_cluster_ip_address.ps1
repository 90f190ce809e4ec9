# sdn-script: set_cluster_ip_address
# Set IP parameters, then cycle: name offline, IP online, name online (Windows' guest-cluster steps).
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
    $ipName = [string]$SdnInput.resource_name
    $nameRes = if ($SdnInput.name_resource) { [string]$SdnInput.name_resource } else { "Cluster Name" }
    $wait = if ($SdnInput.wait_seconds) { [int]$SdnInput.wait_seconds } else { 60 }
    $previous = (Get-SdnResource $ipName).parameters
    $values = @{}
    foreach ($prop in $SdnInput.parameters.PSObject.Properties) { $values[[string]$prop.Name] = $prop.Value }
    Stop-ClusterResource -Name $nameRes | Out-Null
    # Parameter changes only take effect when the IP comes online again; stopping it is a no-op if already off.
    Stop-ClusterResource -Name $ipName | Out-Null
    try {
        Get-ClusterResource -Name $ipName | Set-ClusterParameter -Multiple $values
    } finally {
        # Back online even when Windows refuses the table: a failed apply must not leave the cluster down.
        Start-ClusterResource -Name $ipName -Wait $wait | Out-Null
        Start-ClusterResource -Name $nameRes -Wait $wait | Out-Null
    }
    [ordered]@{ previous = $previous; resource = (Get-SdnResource $ipName) } | ConvertTo-Json -Depth 6 -Compress
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
