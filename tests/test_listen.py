"""`voice2img listen` on a real audio stack: PulseAudio with a null sink whose monitor is the
default input, PortAudio reaching it through ALSA's pulse plugin, and spoken WAVs played into the
sink with paplay — the machine has no sound card, so this virtual microphone is the closest to a
person speaking. (.ci/run installs pulseaudio, pulseaudio-utils and libasound2-plugins.)"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow

SINK = "voice2img_virtual_mic"


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    """A private PulseAudio server; yields the environment that points programs at it."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        assert shutil.which(tool), f"{tool} is needed (.ci/run installs pulseaudio and pulseaudio-utils)"
    home = tmp_path_factory.mktemp("pulse-home")
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_RUNTIME_DIR": str(home),
           "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(home / "cache"))}
    (home / ".asoundrc").write_text("pcm.!default { type pulse }\nctl.!default { type pulse }\n")
    subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
                    "--load=module-native-protocol-unix", f"--load=module-null-sink sink_name={SINK}",
                    "--load=module-always-sink"], env=env, check=True, capture_output=True, timeout=30)
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(["pactl", "set-default-source", f"{SINK}.monitor"], env=env, check=True, timeout=10)
    yield env
    subprocess.run(["pactl", "exit"], env=env, capture_output=True, timeout=10)


def start_listen(env, out, *extra, tiny_model_dir):
    cmd = [sys.executable, "-m", "voice2img", "listen", "--out", str(out), "--json", "--image-model",
           str(tiny_model_dir), "--steps", "1", "--width", "64", "--height", "64", *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:  # "[listening] …" once the microphone is open
        seen.append(line)
        if line.startswith("[listening]"):
            return proc
    proc.wait(timeout=30)
    pytest.fail("listen never opened the microphone:\n" + "".join(seen)[-3000:])


def speak(env, wav):
    subprocess.run(["paplay", f"--device={SINK}", str(wav)], env=env, check=True, timeout=60)


def test_speaking_into_the_microphone_draws_an_image(pulse, tmp_path, tiny_model_dir):
    proc = start_listen(pulse, tmp_path, "--max-images", "1", tiny_model_dir=tiny_model_dir)
    speak(pulse, SAMPLES / "red_fox.wav")
    speak(pulse, SAMPLES / "red_fox.wav")  # more audio: the pause after the first ends the utterance
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    record = json.loads(out.splitlines()[0])
    assert "fox" in record["prompt"] and record["file"] == "microphone"
    assert len(list(tmp_path.glob("listen-*.png"))) == 1


def test_ctrl_c_stops_listening_cleanly(pulse, tmp_path, tiny_model_dir):
    proc = start_listen(pulse, tmp_path, tiny_model_dir=tiny_model_dir)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err


def test_list_devices_and_a_device_that_does_not_exist(pulse):
    listed = subprocess.run([sys.executable, "-m", "voice2img", "listen", "--list-devices"], env=pulse, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "pulse" in listed.stdout
    missing = subprocess.run([sys.executable, "-m", "voice2img", "listen", "--device", "no-such-microphone"],
                             env=pulse, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].startswith("voice2img: error: no input device named like")


def test_no_input_device_is_one_clear_line(tmp_path):
    # No sound card (these machines have none) and no sound server: nothing to record from.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path),
           "PULSE_SERVER": f"unix:{tmp_path}/no-such-server"}
    run = subprocess.run([sys.executable, "-m", "voice2img", "listen"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "voice2img: error: no microphone: this machine has no audio input device (PortAudio found none)"]
