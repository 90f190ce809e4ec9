from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetTopologyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Subnet(_message.Message):
    __slots__ = ("resource_id", "resource_ref", "address_prefix")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_PREFIX_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    resource_ref: str
    address_prefix: str
    def __init__(self, resource_id: _Optional[str] = ..., resource_ref: _Optional[str] = ..., address_prefix: _Optional[str] = ...) -> None: ...

class VirtualNetwork(_message.Message):
    __slots__ = ("resource_id", "address_prefixes", "subnets")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    SUBNETS_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    address_prefixes: _containers.RepeatedScalarFieldContainer[str]
    subnets: _containers.RepeatedCompositeFieldContainer[Subnet]
    def __init__(self, resource_id: _Optional[str] = ..., address_prefixes: _Optional[_Iterable[str]] = ..., subnets: _Optional[_Iterable[_Union[Subnet, _Mapping]]] = ...) -> None: ...

class IpConfiguration(_message.Message):
    __slots__ = ("resource_ref", "private_ip_address", "subnet", "backend_address_pools")
    RESOURCE_REF_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_IP_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SUBNET_FIELD_NUMBER: _ClassVar[int]
    BACKEND_ADDRESS_POOLS_FIELD_NUMBER: _ClassVar[int]
    resource_ref: str
    private_ip_address: str
    subnet: str
    backend_address_pools: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_ref: _Optional[str] = ..., private_ip_address: _Optional[str] = ..., subnet: _Optional[str] = ..., backend_address_pools: _Optional[_Iterable[str]] = ...) -> None: ...

class NetworkInterface(_message.Message):
    __slots__ = ("resource_id", "node", "ip_configurations")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    IP_CONFIGURATIONS_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    node: str
    ip_configurations: _containers.RepeatedCompositeFieldContainer[IpConfiguration]
    def __init__(self, resource_id: _Optional[str] = ..., node: _Optional[str] = ..., ip_configurations: _Optional[_Iterable[_Union[IpConfiguration, _Mapping]]] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("name", "address", "state", "cluster", "winrm_commands")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    WINRM_COMMANDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: str
    state: str
    cluster: str
    winrm_commands: int
    def __init__(self, name: _Optional[str] = ..., address: _Optional[str] = ..., state: _Optional[str] = ..., cluster: _Optional[str] = ..., winrm_commands: _Optional[int] = ...) -> None: ...

class ClusterIp(_message.Message):
    __slots__ = ("cluster", "resource", "state", "owner_node", "address", "probe_port")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OWNER_NODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PROBE_PORT_FIELD_NUMBER: _ClassVar[int]
    cluster: str
    resource: str
    state: str
    owner_node: str
    address: str
    probe_port: int
    def __init__(self, cluster: _Optional[str] = ..., resource: _Optional[str] = ..., state: _Optional[str] = ..., owner_node: _Optional[str] = ..., address: _Optional[str] = ..., probe_port: _Optional[int] = ...) -> None: ...

class VipEndpoint(_message.Message):
    __slots__ = ("load_balancer", "rule", "frontend", "vip", "frontend_port", "backend_port", "protocol", "enable_floating_ip", "host", "port", "endpoint")
    LOAD_BALANCER_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    FRONTEND_FIELD_NUMBER: _ClassVar[int]
    VIP_FIELD_NUMBER: _ClassVar[int]
    FRONTEND_PORT_FIELD_NUMBER: _ClassVar[int]
    BACKEND_PORT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    ENABLE_FLOATING_IP_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    load_balancer: str
    rule: str
    frontend: str
    vip: str
    frontend_port: int
    backend_port: int
    protocol: str
    enable_floating_ip: bool
    host: str
    port: int
    endpoint: str
    def __init__(self, load_balancer: _Optional[str] = ..., rule: _Optional[str] = ..., frontend: _Optional[str] = ..., vip: _Optional[str] = ..., frontend_port: _Optional[int] = ..., backend_port: _Optional[int] = ..., protocol: _Optional[str] = ..., enable_floating_ip: bool = ..., host: _Optional[str] = ..., port: _Optional[int] = ..., endpoint: _Optional[str] = ...) -> None: ...

class Topology(_message.Message):
    __slots__ = ("virtual_networks", "network_interfaces", "nodes", "cluster_ips", "vips")
    VIRTUAL_NETWORKS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_INTERFACES_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_IPS_FIELD_NUMBER: _ClassVar[int]
    VIPS_FIELD_NUMBER: _ClassVar[int]
    virtual_networks: _containers.RepeatedCompositeFieldContainer[VirtualNetwork]
    network_interfaces: _containers.RepeatedCompositeFieldContainer[NetworkInterface]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    cluster_ips: _containers.RepeatedCompositeFieldContainer[ClusterIp]
    vips: _containers.RepeatedCompositeFieldContainer[VipEndpoint]
    def __init__(self, virtual_networks: _Optional[_Iterable[_Union[VirtualNetwork, _Mapping]]] = ..., network_interfaces: _Optional[_Iterable[_Union[NetworkInterface, _Mapping]]] = ..., nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ..., cluster_ips: _Optional[_Iterable[_Union[ClusterIp, _Mapping]]] = ..., vips: _Optional[_Iterable[_Union[VipEndpoint, _Mapping]]] = ...) -> None: ...

class GetProbeHealthRequest(_message.Message):
    __slots__ = ("load_balancer",)
    LOAD_BALANCER_FIELD_NUMBER: _ClassVar[int]
    load_balancer: str
    def __init__(self, load_balancer: _Optional[str] = ...) -> None: ...

class BackendHealth(_message.Message):
    __slots__ = ("ip_configuration", "node", "address", "healthy", "consecutive_failures", "probes_sent", "reason", "delivery")
    IP_CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    PROBES_SENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    ip_configuration: str
    node: str
    address: str
    healthy: bool
    consecutive_failures: int
    probes_sent: int
    reason: str
    delivery: str
    def __init__(self, ip_configuration: _Optional[str] = ..., node: _Optional[str] = ..., address: _Optional[str] = ..., healthy: bool = ..., consecutive_failures: _Optional[int] = ..., probes_sent: _Optional[int] = ..., reason: _Optional[str] = ..., delivery: _Optional[str] = ...) -> None: ...

class RuleHealth(_message.Message):
    __slots__ = ("load_balancer", "rule", "vip", "frontend_port", "backend_port", "enable_floating_ip", "endpoint", "probe", "probe_protocol", "probe_port", "interval_in_seconds", "number_of_probes", "owner_node", "backends")
    LOAD_BALANCER_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    VIP_FIELD_NUMBER: _ClassVar[int]
    FRONTEND_PORT_FIELD_NUMBER: _ClassVar[int]
    BACKEND_PORT_FIELD_NUMBER: _ClassVar[int]
    ENABLE_FLOATING_IP_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    PROBE_FIELD_NUMBER: _ClassVar[int]
    PROBE_PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    PROBE_PORT_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NUMBER_OF_PROBES_FIELD_NUMBER: _ClassVar[int]
    OWNER_NODE_FIELD_NUMBER: _ClassVar[int]
    BACKENDS_FIELD_NUMBER: _ClassVar[int]
    load_balancer: str
    rule: str
    vip: str
    frontend_port: int
    backend_port: int
    enable_floating_ip: bool
    endpoint: str
    probe: str
    probe_protocol: str
    probe_port: int
    interval_in_seconds: int
    number_of_probes: int
    owner_node: str
    backends: _containers.RepeatedCompositeFieldContainer[BackendHealth]
    def __init__(self, load_balancer: _Optional[str] = ..., rule: _Optional[str] = ..., vip: _Optional[str] = ..., frontend_port: _Optional[int] = ..., backend_port: _Optional[int] = ..., enable_floating_ip: bool = ..., endpoint: _Optional[str] = ..., probe: _Optional[str] = ..., probe_protocol: _Optional[str] = ..., probe_port: _Optional[int] = ..., interval_in_seconds: _Optional[int] = ..., number_of_probes: _Optional[int] = ..., owner_node: _Optional[str] = ..., backends: _Optional[_Iterable[_Union[BackendHealth, _Mapping]]] = ...) -> None: ...

class ProbeHealth(_message.Message):
    __slots__ = ("rules", "time_scale")
    RULES_FIELD_NUMBER: _ClassVar[int]
    TIME_SCALE_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[RuleHealth]
    time_scale: float
    def __init__(self, rules: _Optional[_Iterable[_Union[RuleHealth, _Mapping]]] = ..., time_scale: _Optional[float] = ...) -> None: ...

class MoveClusterGroupRequest(_message.Message):
    __slots__ = ("node", "group", "cluster")
    NODE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    node: str
    group: str
    cluster: str
    def __init__(self, node: _Optional[str] = ..., group: _Optional[str] = ..., cluster: _Optional[str] = ...) -> None: ...

class NodeRequest(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: str
    def __init__(self, node: _Optional[str] = ...) -> None: ...

class GuestState(_message.Message):
    __slots__ = ("nodes", "cluster_ips")
    NODES_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_IPS_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    cluster_ips: _containers.RepeatedCompositeFieldContainer[ClusterIp]
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ..., cluster_ips: _Optional[_Iterable[_Union[ClusterIp, _Mapping]]] = ...) -> None: ...

class InjectFaultRequest(_message.Message):
    __slots__ = ("kind", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    params: _containers.ScalarMap[str, str]
    def __init__(self, kind: _Optional[str] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class InjectFaultResponse(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: str
    def __init__(self, result: _Optional[str] = ...) -> None: ...

class GetCountersRequest(_message.Message):
    __slots__ = ("reset_nc",)
    RESET_NC_FIELD_NUMBER: _ClassVar[int]
    reset_nc: bool
    def __init__(self, reset_nc: bool = ...) -> None: ...

class NcRequestCount(_message.Message):
    __slots__ = ("method", "collection", "count")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    method: str
    collection: str
    count: int
    def __init__(self, method: _Optional[str] = ..., collection: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ConnectionCount(_message.Message):
    __slots__ = ("load_balancer", "rule", "node", "delivered", "refused")
    LOAD_BALANCER_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    load_balancer: str
    rule: str
    node: str
    delivered: int
    refused: int
    def __init__(self, load_balancer: _Optional[str] = ..., rule: _Optional[str] = ..., node: _Optional[str] = ..., delivered: _Optional[int] = ..., refused: _Optional[int] = ...) -> None: ...

class Counters(_message.Message):
    __slots__ = ("nc_requests", "nc_total", "winrm_commands", "probes_sent", "connections")
    class WinrmCommandsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NC_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NC_TOTAL_FIELD_NUMBER: _ClassVar[int]
    WINRM_COMMANDS_FIELD_NUMBER: _ClassVar[int]
    PROBES_SENT_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    nc_requests: _containers.RepeatedCompositeFieldContainer[NcRequestCount]
    nc_total: int
    winrm_commands: _containers.ScalarMap[str, int]
    probes_sent: int
    connections: _containers.RepeatedCompositeFieldContainer[ConnectionCount]
    def __init__(self, nc_requests: _Optional[_Iterable[_Union[NcRequestCount, _Mapping]]] = ..., nc_total: _Optional[int] = ..., winrm_commands: _Optional[_Mapping[str, int]] = ..., probes_sent: _Optional[int] = ..., connections: _Optional[_Iterable[_Union[ConnectionCount, _Mapping]]] = ...) -> None: ...
