// `citysense in`: every accepted reading that matches the node's selector, as msg.payload
// (and msg.reading, which the `citysense alert` node reads even after a function node
// rewrote the payload). The service comes from RED.settings.citysense (flows/bridge.ts).
const streamNode = require('../stream-node.cjs');

module.exports = function (RED) {
  function CitysenseIn(config) {
    RED.nodes.createNode(this, config);
    streamNode(RED, this, config, {
      compile: (bridge, c) => bridge.select(c),
      badConfig: 'bad selector',
      stream: (bridge) => bridge.readings$,
      // Copies: the service's stages share this reading, and flows may change what they get.
      message: (reading) => ({
        topic: `city/${reading.kind}/${reading.deviceId}/${reading.channel}`,
        payload: structuredClone(reading),
        reading: structuredClone(reading),
      }),
    });
  }
  RED.nodes.registerType('citysense in', CitysenseIn);
};
