# sdn-script: get_cluster_resource
# One resource (by name, or the core IP Address when no name is given) with owner, dependencies and parameters.
try {
    Write-SdnResult (Get-SdnResource (Resolve-SdnResource ([string]$SdnInput.resource_name) "IP Address"))
} catch {
    Write-SdnError $_
    exit 1
}
