// `citysense alert`: raises a detection (severity and category from the node, or msg.alert)
// through the same path as rule detections, so it becomes an incident like any rule's.
module.exports = function (RED) {
  function CitysenseAlert(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const bridge = RED.settings.citysense;
    if (!bridge) node.status({ fill: 'red', shape: 'ring', text: 'not running inside citysense' });
    node.on('input', (msg, send, done) => {
      if (!bridge) return done(new Error('citysense alert: not running inside citysense'));
      let result;
      try {
        result = bridge.raise({
          nodeId: node.id,
          config,
          msg: { alert: msg.alert, reading: msg.reading, payload: msg.payload },
        });
      } catch (err) {
        return done(err);
      }
      if (!result.ok) {
        node.status({ fill: 'red', shape: 'dot', text: 'refused' });
        return done(new Error(`citysense alert: ${result.message}`));
      }
      const d = result.detection;
      node.status({ fill: d.phase === 'raise' ? 'red' : 'green', shape: 'dot', text: `${d.severity} ${d.deviceId}` });
      msg.detection = d;
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('citysense alert', CitysenseAlert);
};
