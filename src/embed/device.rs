//! Choosing the device the model runs on: CPU, a CUDA GPU or Apple's Metal, as the build allows.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;

use super::error::DeviceProblem;
use super::EmbedError;

/// The device asked for with `--device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// A GPU when this build supports one and one is present, else the CPU (the default).
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// The CUDA GPU with this ordinal (needs a build with the `cuda` feature).
    Cuda(usize),
    /// The Metal GPU with this ordinal (needs a build with the `metal` feature).
    Metal(usize),
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => write!(f, "auto"),
            DeviceChoice::Cpu => write!(f, "cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceChoice::Metal(n) => write!(f, "metal:{n}"),
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let (kind, ordinal) = match s.split_once(':') {
            Some((kind, n)) => {
                let n = n
                    .parse::<usize>()
                    .map_err(|_| format!("{s:?}: the device number must be a non-negative integer"))?;
                (kind.to_string(), n)
            }
            None => (s.clone(), 0),
        };
        match kind.as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(ordinal)),
            "metal" => Ok(DeviceChoice::Metal(ordinal)),
            _ => Err(format!("{s:?}: expected auto, cpu, cuda[:N] or metal[:N]")),
        }
    }
}

impl DeviceChoice {
    /// Opens the device, or explains why it cannot be had.
    pub fn open(self) -> Result<Device, EmbedError> {
        let unavailable = |feature: &'static str| EmbedError::Device {
            device: self.to_string(),
            problem: DeviceProblem::NotInBuild { feature },
        };
        let failed = |e: candle_core::Error| EmbedError::Device {
            device: self.to_string(),
            problem: DeviceProblem::of(&e),
        };
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => {
                if candle_core::utils::cuda_is_available() {
                    if let Ok(device) = Device::new_cuda(0) {
                        return Ok(device);
                    }
                }
                if candle_core::utils::metal_is_available() {
                    if let Ok(device) = Device::new_metal(0) {
                        return Ok(device);
                    }
                }
                Ok(Device::Cpu)
            }
            DeviceChoice::Cuda(n) => {
                if !candle_core::utils::cuda_is_available() {
                    return Err(unavailable("CUDA"));
                }
                Device::new_cuda(n).map_err(failed)
            }
            DeviceChoice::Metal(n) => {
                if !candle_core::utils::metal_is_available() {
                    return Err(unavailable("Metal"));
                }
                Device::new_metal(n).map_err(failed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("auto".parse(), Ok(DeviceChoice::Auto));
        assert_eq!("CPU".parse(), Ok(DeviceChoice::Cpu));
        assert_eq!("cuda".parse(), Ok(DeviceChoice::Cuda(0)));
        assert_eq!("cuda:1".parse(), Ok(DeviceChoice::Cuda(1)));
        assert_eq!("metal".parse(), Ok(DeviceChoice::Metal(0)));
        assert!("tpu".parse::<DeviceChoice>().is_err());
        assert!("cuda:x".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn cpu_always_opens_and_auto_falls_back() {
        assert!(DeviceChoice::Cpu.open().is_ok());
        assert!(DeviceChoice::Auto.open().is_ok());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_on_a_cpu_build_is_a_clear_error() {
        let err = DeviceChoice::Cuda(0).open().unwrap_err().to_string();
        assert!(err.contains("no CUDA support"), "{err}");
        assert!(err.contains("--features cuda"), "{err}");
    }
}
