// `citysense in`: every accepted reading that matches the node's selector, as msg.payload
// (and msg.reading, which the `citysense alert` node reads even after a function node
// rewrote the payload). The service comes from RED.settings.citysense (flows/bridge.ts).
module.exports = function (RED) {
  function CitysenseIn(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = RED.settings.citysense;
    if (!bridge) {
      node.status({ fill: 'red', shape: 'ring', text: 'not running inside citysense' });
      return;
    }
    const selector = bridge.select(config);
    if (!selector.ok) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad selector' });
      node.error(selector.message);
      return;
    }
    node.status({});
    const subscription = bridge.readings$.subscribe((reading) => {
      // A throw here would surface in the service's reading stream: keep it in this node.
      try {
        if (!selector.match(reading)) return;
        // Copies: the service's stages share this reading, and flows may change what they get.
        node.send({
          topic: `city/${reading.kind}/${reading.deviceId}/${reading.channel}`,
          payload: structuredClone(reading),
          reading: structuredClone(reading),
        });
      } catch (err) {
        node.error(err);
      }
    });
    // [STYLE: Node-RED nodes] close releases what the node holds.
    node.on('close', (done) => {
      subscription.unsubscribe();
      done();
    });
  }
  RED.nodes.registerType('citysense in', CitysenseIn);
};
