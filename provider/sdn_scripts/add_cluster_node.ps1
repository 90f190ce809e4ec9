# sdn-script: add_cluster_node
# Join a node to the local cluster, then wait until the node is Up.
try {
    $node = [string]$SdnInput.node
    $wait = if ($SdnInput.wait_seconds) { [int]$SdnInput.wait_seconds } else { 120 }
    Assert-SdnCluster ([string]$SdnInput.cluster) | Out-Null
    # No -Cluster: Learn says the cmdlet then runs on the local cluster (the cluster name may resolve to a VIP).
    Add-ClusterNode -Name $node -NoStorage | Out-Null
    $until = (Get-Date).AddSeconds($wait)
    while ("$((Get-ClusterNode -Name $node).State)" -ne "Up") {
        if ((Get-Date) -gt $until) { throw "Node $node joined but did not reach Up within $wait seconds." }
        Start-Sleep -Seconds 2
    }
    Write-SdnResult (Get-SdnCluster)
} catch {
    Write-SdnError $_
    exit 1
}
