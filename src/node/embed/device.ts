import { existsSync } from 'node:fs';
import path from 'node:path';
import { listSupportedBackends } from 'onnxruntime-node';
import { DEVICES, type Device } from '../../common/protocol/worker';

/**
 * Whether the model can run on a device here. Two libraries must both have it:
 * - transformers.js 4.3 hands a device to onnxruntime-node only on its platform: `cuda` on Linux x64, `dml` on
 *   Windows, `coreml` on macOS (its `supportedDevices`; anything else throws "Unsupported device");
 * - onnxruntime-node 1.30 must list the execution provider (`listSupportedBackends()`). One listed as not
 *   `bundled` (CUDA and TensorRT on Linux) needs its provider library beside the binding, which the package
 *   installs only when asked (ONNXRUNTIME_NODE_INSTALL_CUDA); without it, a session would fail to load.
 * Even then a session may fail (no GPU, no driver): the Embedder then loads the model on the CPU.
 */
export function deviceProblem(device: Device): string | undefined {
  if (device === 'cpu') return undefined;
  if (!DEVICES.includes(device)) return `"${String(device)}" is not a device (${DEVICES.join(', ')})`;
  const platform = PLATFORM_OF[device];
  if (process.platform !== platform.os || (platform.arch && process.arch !== platform.arch)) {
    return `${NAMES[device]} is only available on ${platform.label} (this is ${process.platform}-${process.arch})`;
  }
  const backend = listSupportedBackends().find((b) => b.name === device);
  if (!backend) return `this machine's onnxruntime-node has no ${NAMES[device]} execution provider`;
  if (!backend.bundled && !providerLibraryPresent(device)) {
    return `the ${NAMES[device]} execution provider of onnxruntime-node is not installed (it is installed with ONNXRUNTIME_NODE_INSTALL_CUDA=1 and needs an NVIDIA GPU with CUDA 12)`;
  }
  return undefined;
}

/** The sentence logged when the model runs on the CPU instead of `device`. */
export function onCpuInstead(device: Device, problem: string): string {
  return `The model runs on the CPU, not on ${NAMES[device] ?? device}: ${problem}.`;
}

const NAMES: Record<Device, string> = { cpu: 'the CPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'Core ML' };
const PLATFORM_OF: Record<Exclude<Device, 'cpu'>, { os: NodeJS.Platform; arch?: string; label: string }> = {
  cuda: { os: 'linux', arch: 'x64', label: 'Linux x64' },
  dml: { os: 'win32', label: 'Windows' },
  coreml: { os: 'darwin', label: 'macOS' },
};

/** Whether the provider library onnxruntime-node loads for `device` is beside its binding. */
function providerLibraryPresent(device: Device): boolean {
  let dir: string;
  try {
    dir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return false;
  }
  const file = process.platform === 'win32' ? `onnxruntime_providers_${device}.dll` : `libonnxruntime_providers_${device}.so`;
  return existsSync(path.join(dir, file));
}
