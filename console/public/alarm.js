// Red alerts must not be missed: a WebAudio beep (no audio files) and a screen flash.

/** The alarm. Sound needs a user gesture first (browsers' autoplay rule): call unlock() on one. */
export function createAlarm() {
  let audio;
  let enabled = sessionStorage.getItem('citysense.sound') !== 'off';
  let last = 0;
  let count = 0;

  function beep(at, freq) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(at + 0.2);
  }

  return {
    unlock() {
      try {
        audio ??= new AudioContext();
        if (audio.state === 'suspended') audio.resume();
      } catch {
        audio = undefined; // no audio device: the flash still works
      }
    },
    setEnabled(on) {
      enabled = on;
      sessionStorage.setItem('citysense.sound', on ? 'on' : 'off');
    },
    enabled: () => enabled,
    /** Sound and flash, at most once per 2 s (an alert and its incident arrive together). */
    red() {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      count += 1;
      document.body.dataset.redAlarms = String(count);
      document.body.classList.remove('flash');
      void document.body.offsetWidth; // restart the CSS animation
      document.body.classList.add('flash');
      setTimeout(() => document.body.classList.remove('flash'), 3000);
      if (enabled && audio) {
        const t0 = audio.currentTime + 0.02;
        [0, 0.25, 0.5].forEach((d, i) => beep(t0 + d, i % 2 ? 660 : 880));
      }
    },
  };
}
