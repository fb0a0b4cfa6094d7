// `citysense incident`: every incident change (opened, escalated, dispatched, overdue, …)
// that passes the node's filter: msg.payload is the incident, msg.event what changed it.
const streamNode = require('../stream-node.cjs');

module.exports = function (RED) {
  function CitysenseIncident(config) {
    RED.nodes.createNode(this, config);
    streamNode(RED, this, config, {
      compile: (bridge, c) => bridge.incidentFilter(c),
      badConfig: 'bad filter',
      stream: (bridge) => bridge.incidents$,
      message: (change) => ({ topic: change.event.type, payload: structuredClone(change.incident), event: structuredClone(change.event) }),
    });
  }
  RED.nodes.registerType('citysense incident', CitysenseIncident);
};
