//! Models kept between runs, so that the next run with the same models reuses their ONNX
//! Runtime sessions: on CUDA a session's first run at each input shape plans its cuDNN
//! convolutions (11–14 s of a 1080p anonymize job, a third of a 720p annotate job's wall time
//! with 16 jobs starting at once on the H200; bench/RESULTS.md). A worker keeps one pool per kind
//! for all its jobs; `AnonymizerPool` and `PosePool` say which kept item fits a run.

use std::sync::Mutex;

/// Items a pool keeps at most (each holds its sessions' memory, on a GPU some GB).
const KEEPS: usize = 4;

pub struct Pool<T> {
    idle: Mutex<Vec<T>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Pool<T> {
    /// The first idle item that `fits`, taken out of the pool.
    pub fn take_if(&self, fits: impl Fn(&T) -> bool) -> Option<T> {
        let mut idle = self.idle.lock().expect("not poisoned");
        idle.iter().position(fits).map(|at| idle.remove(at))
    }

    /// Keeps `item` for a later take (the oldest idle one goes when the pool is full).
    pub fn give_back(&self, item: T) {
        let mut idle = self.idle.lock().expect("not poisoned");
        if idle.len() == KEEPS {
            idle.remove(0);
        }
        idle.push(item);
    }

    /// Items waiting for a run.
    pub fn idle(&self) -> usize {
        self.idle.lock().expect("not poisoned").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_first_that_fits_and_keeps_the_newest() {
        let pool = Pool::default();
        for i in 0..6 {
            pool.give_back(i);
        }
        assert_eq!(pool.idle(), KEEPS);
        // 0 and 1 went when the pool was full
        assert_eq!(pool.take_if(|&i| i < 2), None);
        assert_eq!(pool.take_if(|&i| i % 2 == 1), Some(3));
        assert_eq!(pool.idle(), KEEPS - 1);
        assert_eq!(pool.take_if(|_| true), Some(2));
    }
}
