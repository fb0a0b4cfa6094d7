// `citysense incident`: every incident change (opened, escalated, dispatched, overdue, …)
// that passes the node's filter: msg.payload is the incident, msg.event what changed it.
module.exports = function (RED) {
  function CitysenseIncident(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = RED.settings.citysense;
    if (!bridge) {
      node.status({ fill: 'red', shape: 'ring', text: 'not running inside citysense' });
      return;
    }
    const filter = bridge.incidentFilter(config);
    if (!filter.ok) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad filter' });
      node.error(filter.message);
      return;
    }
    const subscription = bridge.incidents$.subscribe((change) => {
      // A throw here would surface in the incident service: keep it in this node.
      try {
        if (!filter.match(change)) return;
        node.send({ topic: change.event.type, payload: structuredClone(change.incident), event: structuredClone(change.event) });
      } catch (err) {
        node.error(err);
      }
    });
    node.on('close', (done) => {
      subscription.unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('citysense incident', CitysenseIncident);
};
