# sdn-script: set_cluster_ip_address
# Set IP parameters, then cycle: name offline, IP online, name online (Windows' guest-cluster steps).
try {
    $ip = Resolve-SdnResource ([string]$SdnInput.resource_name) "IP Address"
    $nameRes = Resolve-SdnResource ([string]$SdnInput.name_resource) "Network Name"
    $wait = if ($SdnInput.wait_seconds) { [int]$SdnInput.wait_seconds } else { 60 }
    $previous = (Get-SdnResource $ip).parameters
    $values = @{}
    foreach ($prop in $SdnInput.parameters.PSObject.Properties) { $values[[string]$prop.Name] = $prop.Value }
    Stop-ClusterResource -Name $nameRes.Name | Out-Null
    # Parameter changes only take effect when the IP comes online again; stopping it is a no-op if already off.
    Stop-ClusterResource -Name $ip.Name | Out-Null
    try {
        $ip | Set-ClusterParameter -Multiple $values
    } finally {
        # Back online even when Windows refuses the table: a failed apply must not leave the cluster down.
        Start-ClusterResource -Name $ip.Name -Wait $wait | Out-Null
        Start-ClusterResource -Name $nameRes.Name -Wait $wait | Out-Null
    }
    $result = [ordered]@{ previous = $previous; resource = (Get-SdnResource (Get-ClusterResource -Name $ip.Name)) }
    $result.name_resource = $nameRes.Name
    Write-SdnResult $result
} catch {
    Write-SdnError $_
    exit 1
}
