# sdn-script: new_cluster
# New-Cluster without storage; static address optional (DHCP networks otherwise), networks to ignore optional.
try {
    $a = @{ Name = [string]$SdnInput.name; Node = [string]$SdnInput.node; NoStorage = $true }
    if ($SdnInput.static_address) { $a.StaticAddress = [string]$SdnInput.static_address }
    if ($SdnInput.ignore_networks) { $a.IgnoreNetwork = [string[]]@($SdnInput.ignore_networks) }
    New-Cluster @a | Out-Null
    Write-SdnResult (Get-SdnCluster)
} catch {
    Write-SdnError $_
    exit 1
}
