#!/usr/bin/python3
"""SIMULATED rolling-bearing vibration windows for HiPortal's second application, machine fault detection.

No public bearing data set (CWRU, Paderborn, ...) can be installed on these machines, so this module generates
windows from the textbook physics model of localised rolling-bearing faults (McFadden & Smith 1984; Randall &
Antoni, "Rolling element bearing diagnostics - a tutorial", MSSP 25, 2011). numpy only, deterministic from a seed.

Per window (one accelerometer channel, FS = 12 kHz, 1,024 samples = 85 ms):

* Shaft speed fr uniform in 1,000..3,600 rpm (16.7..60 Hz), so the fault frequencies of the classes overlap.
* Bearing: SKF 6205 deep-groove ball bearing (9 balls, ball 7.94 mm, pitch 39.04 mm, 0 deg contact), the
  drive-end bearing of the CWRU test rig. Characteristic frequencies (per shaft Hz):
  BPFO = n/2 (1 - d/D cos a) = 3.585,  BPFI = n/2 (1 + d/D cos a) = 5.415,
  BSF = D/(2d) (1 - (d/D cos a)^2) = 2.357,  FTF (cage) = 1/2 (1 - d/D cos a) = 0.398.
* A localised fault makes an impulse each time a rolling element passes it:
  outer race at BPFO (stationary defect in the load zone: constant amplitude),
  inner race at BPFI, amplitude-modulated by the Stribeck load zone q(theta) = (1 - (1 - cos theta)/(2 eps))^(10/9)
  as the defect rotates with the shaft (theta = 2 pi fr t),
  ball at 2 x BSF (the defect strikes the inner and outer race once each per spin, alternately, the inner-race
  strike weaker), modulated by the load zone at the cage speed FTF, with erratic amplitude and missed contacts.
* Random slip: the impulse rate is 1..2 % below the kinematic one and each interval jitters by 1..2 % (more for
  balls), so the impulse train is not strictly periodic (cyclostationary, as in real bearings).
* Every impulse rings the structure's resonance: h(t) = exp(-zeta w t) sin(w sqrt(1 - zeta^2) t), with
  f = 2.2..5 kHz, zeta = 0.03..0.09 varying from machine to machine.
* Background, in every class: shaft harmonics 1x..4x (unbalance/misalignment), broadband machine noise that also
  excites the resonance, white sensor noise, and sporadic aperiodic shocks (process knocks) that look like single
  fault impulses. The fault severity is set through the SNR of the impulse train against that background,
  uniform in SNR_DB (many low-severity, low-SNR windows; these are the hard ones).
* The sensor: random gain (rms 500..4,000 counts), ADC offset, rounded and clipped to INT16 like an ADC.

Classes (label order): 0 healthy, 1 inner-race, 2 outer-race, 3 ball. Balanced, shuffled.
The model input is FP32 [N, 1, 1024] = int16 sample x (1/32768).
"""
import argparse
import os

import numpy as np

CLASSES = ["healthy", "inner-race", "outer-race", "ball"]
FS = 12000
WINDOW = 1024
SCALE = 1.0 / 32768.0
# SKF 6205 geometry (CWRU drive end): balls, ball diameter, pitch diameter (mm), contact angle.
N_BALLS, BALL_D, PITCH_D, CONTACT = 9, 7.94, 39.04, 0.0
_R = BALL_D / PITCH_D * np.cos(CONTACT)
BPFO = N_BALLS / 2 * (1 - _R)
BPFI = N_BALLS / 2 * (1 + _R)
BSF = PITCH_D / (2 * BALL_D) * (1 - _R ** 2)
FTF = 0.5 * (1 - _R)
RPM = (1000.0, 3600.0)
SNR_DB = (-7.0, 6.0)
SEEDS = {"train": 7001, "calibration": 7002, "test": 7003}
SIZES = {"train": 30000, "calibration": 2000, "test": 2000}
PRE = 512            # samples simulated before the window so it starts mid-stream (resonance tails, load phase)
RING = 256           # impulse-response length in samples


def _load_zone(theta, eps):
    """Stribeck load distribution around the bearing for load-zone parameter eps (0.5 = half the ring loaded)."""
    q = 1.0 - (1.0 - np.cos(theta)) / (2.0 * eps)
    return np.clip(q, 0.0, None) ** (10.0 / 9.0)


def _impulse_train(rng, label, fr, length):
    """Impulse amplitudes on the sample grid for one window (float64 [length]); zeros for healthy."""
    out = np.zeros(length)
    if label == 0:
        return out
    slip = rng.uniform(0.01, 0.02)
    if label == 1:
        rate, jitter = BPFI * fr, rng.uniform(0.01, 0.02)
    elif label == 2:
        rate, jitter = BPFO * fr, rng.uniform(0.01, 0.02)
    else:
        rate, jitter = 2 * BSF * fr, rng.uniform(0.015, 0.025)
    rate *= 1.0 - slip
    period = FS / rate
    count = int(length / period) + 3
    intervals = period * (1.0 + jitter * rng.standard_normal(count))
    times = rng.uniform(0, period) + np.concatenate([[0.0], np.cumsum(intervals[:-1])])
    times = times[times < length - 1]
    t_sec = times / FS
    amp = 1.0 + 0.1 * rng.standard_normal(len(times))
    if label == 1:                                      # defect rotates with the shaft through the load zone
        eps, floor = rng.uniform(0.3, 0.6), rng.uniform(0.0, 0.25)
        amp *= floor + (1 - floor) * _load_zone(2 * np.pi * fr * t_sec + rng.uniform(0, 2 * np.pi), eps)
    elif label == 3:                                    # ball carried by the cage through the load zone
        eps, floor = rng.uniform(0.3, 0.6), rng.uniform(0.1, 0.4)
        amp *= floor + (1 - floor) * _load_zone(2 * np.pi * FTF * fr * t_sec + rng.uniform(0, 2 * np.pi), eps)
        inner = rng.uniform(0.3, 0.8)                   # every other strike is on the inner race, weaker
        amp[rng.integers(0, 2)::2] *= inner
        amp *= np.exp(0.25 * rng.standard_normal(len(times)))      # spin axis wanders: erratic contact
        amp *= rng.random(len(times)) > rng.uniform(0.0, 0.2)     # missed contacts
    else:
        amp *= 1.0 + 0.05 * rng.standard_normal()
    idx = np.round(times).astype(int)
    np.add.at(out, idx, amp)
    return out


def _resonance(rng, n):
    f = rng.uniform(2200, 5000)
    zeta = rng.uniform(0.03, 0.09)
    w = 2 * np.pi * f / FS
    t = np.arange(n)
    h = np.exp(-zeta * w * t) * np.sin(w * np.sqrt(1 - zeta ** 2) * t)
    return h / np.sqrt(np.sum(h ** 2))


def _convolve(x, h):
    n = len(x) + len(h)
    return np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(h, n), n)[:len(x)]


def window(rng, label):
    """One simulated window (float64 [WINDOW], arbitrary units) of class `label`."""
    length = PRE + WINDOW
    fr = rng.uniform(*RPM) / 60.0
    h = _resonance(rng, RING)
    fault = _convolve(_impulse_train(rng, label, fr, length), h)[PRE:]
    t = np.arange(WINDOW) / FS
    phase0 = rng.uniform(0, 2 * np.pi)
    shaft = sum(rng.uniform(0.0, 1.0) / k * np.sin(2 * np.pi * k * fr * t + phase0 * k + rng.uniform(0, 1))
                for k in range(1, 5))
    shaft *= rng.uniform(0.2, 2.0)                       # relative to unit background noise
    machine = _convolve(rng.standard_normal(length), h)[PRE:] * rng.uniform(0.3, 1.0)
    white = rng.standard_normal(WINDOW) * rng.uniform(0.5, 1.0)
    background = machine + white
    shocks = np.zeros(length)
    k = rng.poisson(rng.uniform(0.0, 1.5))              # sporadic aperiodic knocks, any class
    if k:
        shocks[rng.integers(0, length, k)] = np.exp(0.5 * rng.standard_normal(k))
    shocks = _convolve(shocks, _resonance(rng, RING))[PRE:]
    bg_rms = np.sqrt(np.mean(background ** 2))
    if label:
        f_rms = np.sqrt(np.mean(fault ** 2)) + 1e-12
        fault *= bg_rms * 10 ** (rng.uniform(*SNR_DB) / 20) / f_rms
        shock_ref = np.max(np.abs(fault)) if np.any(fault) else bg_rms
    else:
        shock_ref = bg_rms * 10 ** (rng.uniform(*SNR_DB) / 20) * 3.0
    if np.any(shocks):
        shocks *= shock_ref * rng.uniform(0.5, 1.5) / np.max(np.abs(shocks))
    return fault + background + shocks + shaft * bg_rms


def generate(n, seed):
    """n windows, classes balanced and shuffled: x int16 [n, WINDOW] (ADC counts), y uint8 [n]."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % len(CLASSES)
    rng.shuffle(y)
    x = np.empty((n, WINDOW), dtype=np.int16)
    for i in range(n):
        s = window(rng, int(y[i]))
        s *= rng.uniform(500, 4000) / np.sqrt(np.mean(s ** 2))     # sensor gain, rms in counts
        s += rng.uniform(-200, 200)                                  # ADC offset
        x[i] = np.clip(np.round(s), -32768, 32767).clip(-32767, 32767).astype(np.int16)
    return x, y.astype(np.uint8)


def split(name, n=None):
    return generate(n or SIZES[name], SEEDS[name])


def main():
    p = argparse.ArgumentParser(description="Write the SIMULATED calibration and test splits as .npz files.")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo"))
    p.add_argument("--splits", nargs="+", default=["calibration", "test"], choices=list(SEEDS))
    args = p.parse_args()
    for name in args.splits:
        x, y = split(name)
        path = os.path.join(args.out, f"vibration-{name}.npz")
        np.savez_compressed(path, x=x, y=y)
        print(f"{path}: x {x.shape} {x.dtype}, y {y.shape} {y.dtype}, seed {SEEDS[name]}, "
              f"{os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
