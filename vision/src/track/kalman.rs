//! The constant-velocity Kalman filter of SORT / DeepSORT / ByteTrack, on (cx, cy, aspect, height).

use nalgebra::{SMatrix, SVector};

type Vec8 = SVector<f32, 8>;
type Mat8 = SMatrix<f32, 8, 8>;
type Vec4 = SVector<f32, 4>;
type Mat4 = SMatrix<f32, 4, 4>;
type Mat48 = SMatrix<f32, 4, 8>;

const STD_POSITION: f32 = 1.0 / 20.0;
const STD_VELOCITY: f32 = 1.0 / 160.0;

#[derive(Debug, Clone)]
pub struct KalmanState {
    pub mean: Vec8,
    pub covariance: Mat8,
}

fn motion() -> Mat8 {
    let mut f = Mat8::identity();
    for i in 0..4 {
        f[(i, i + 4)] = 1.0;
    }
    f
}

fn observation() -> Mat48 {
    Mat48::from_fn(|r, c| if r == c { 1.0 } else { 0.0 })
}

/// (cx, cy, w/h, h) from x1, y1, x2, y2.
pub fn xyah(b: &[f32; 4]) -> Vec4 {
    let (w, h) = ((b[2] - b[0]).max(1e-3), (b[3] - b[1]).max(1e-3));
    Vec4::new(b[0] + w / 2.0, b[1] + h / 2.0, w / h, h)
}

pub fn to_xyxy(m: &Vec8) -> [f32; 4] {
    let (h, w) = (m[3], m[2] * m[3]);
    [
        m[0] - w / 2.0,
        m[1] - h / 2.0,
        m[0] + w / 2.0,
        m[1] + h / 2.0,
    ]
}

impl KalmanState {
    pub fn initiate(measurement: Vec4) -> Self {
        let h = measurement[3];
        let mut mean = Vec8::zeros();
        mean.fixed_rows_mut::<4>(0).copy_from(&measurement);
        let std = [
            2.0 * STD_POSITION * h,
            2.0 * STD_POSITION * h,
            1e-2,
            2.0 * STD_POSITION * h,
            10.0 * STD_VELOCITY * h,
            10.0 * STD_VELOCITY * h,
            1e-5,
            10.0 * STD_VELOCITY * h,
        ];
        Self {
            mean,
            covariance: Mat8::from_diagonal(&Vec8::from_iterator(std.iter().map(|s| s * s))),
        }
    }

    pub fn predict(&mut self) {
        let h = self.mean[3];
        let std = [
            STD_POSITION * h,
            STD_POSITION * h,
            1e-2,
            STD_POSITION * h,
            STD_VELOCITY * h,
            STD_VELOCITY * h,
            1e-5,
            STD_VELOCITY * h,
        ];
        let q = Mat8::from_diagonal(&Vec8::from_iterator(std.iter().map(|s| s * s)));
        let f = motion();
        self.mean = f * self.mean;
        self.covariance = f * self.covariance * f.transpose() + q;
    }

    pub fn update(&mut self, measurement: Vec4) {
        let h = self.mean[3];
        let std = [STD_POSITION * h, STD_POSITION * h, 1e-1, STD_POSITION * h];
        let r = Mat4::from_diagonal(&Vec4::from_iterator(std.iter().map(|s| s * s)));
        let hm = observation();
        let projected_mean = hm * self.mean;
        let projected_cov = hm * self.covariance * hm.transpose() + r;
        // K = P Hᵀ S⁻¹ (S is symmetric positive definite: Cholesky; fall back to a plain inverse)
        let pht = self.covariance * hm.transpose();
        let s_inv = projected_cov
            .cholesky()
            .map(|c| c.inverse())
            .or_else(|| projected_cov.try_inverse())
            .unwrap_or_else(Mat4::identity);
        let gain = pht * s_inv;
        self.mean += gain * (measurement - projected_mean);
        self.covariance -= gain * projected_cov * gain.transpose();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_box_moving_at_constant_speed() {
        let mut k = KalmanState::initiate(xyah(&[0.0, 0.0, 20.0, 40.0]));
        for t in 1..30 {
            k.predict();
            let x = t as f32 * 3.0;
            k.update(xyah(&[x, 0.0, x + 20.0, 40.0]));
        }
        k.predict();
        let predicted = to_xyxy(&k.mean);
        assert!((predicted[0] - 90.0).abs() < 1.0, "{predicted:?}");
        assert!((k.mean[4] - 3.0).abs() < 0.2, "velocity {}", k.mean[4]);
    }
}
