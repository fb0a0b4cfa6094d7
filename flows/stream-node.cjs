// What the `citysense in` and `citysense incident` nodes share: find the service's bridge,
// compile the node's settings (a bad one shows on the node and stops it), pass each value of a
// stream that matches as a message, and unsubscribe on close. Outside flows/nodes on purpose:
// Node-RED loads every file there as a node.
module.exports = function streamNode(RED, node, config, o) {
  const bridge = RED.settings.citysense;
  if (!bridge) {
    node.status({ fill: 'red', shape: 'ring', text: 'not running inside citysense' });
    return;
  }
  const compiled = o.compile(bridge, config);
  if (!compiled.ok) {
    node.status({ fill: 'red', shape: 'ring', text: o.badConfig });
    node.error(compiled.message);
    return;
  }
  node.status({});
  const subscription = o.stream(bridge).subscribe((value) => {
    // A throw here would surface in the service's stream: keep it in this node.
    try {
      if (compiled.match(value)) node.send(o.message(value));
    } catch (err) {
      node.error(err);
    }
  });
  // [STYLE: Node-RED nodes] close releases what the node holds.
  node.on('close', (done) => {
    subscription.unsubscribe();
    done();
  });
};
