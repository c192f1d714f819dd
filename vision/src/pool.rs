//! Models kept between runs, so that the next run with the same models reuses their ONNX
//! Runtime sessions: on CUDA a session's first run at each input shape plans its cuDNN
//! convolutions (11–14 s of a 1080p anonymize job, a third of a 720p annotate job's wall time
//! with 16 jobs starting at once on the H200; bench/RESULTS.md). A worker keeps one pool per kind
//! for all its jobs; `AnonymizerPool` and `PosePool` say which kept item fits a run.

use std::sync::Mutex;

/// Idle items a pool keeps at least room for (each holds its sessions' memory, on a GPU some
/// GB); more when more were out at once (a worker running that many jobs at a time keeps one
/// for each).
const KEEPS: usize = 4;

pub struct Pool<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    idle: Vec<T>,
    /// Takes not yet given back, and the most there were at once.
    out: usize,
    most_out: usize,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                idle: Vec::new(),
                out: 0,
                most_out: 0,
            }),
        }
    }
}

impl<T> Pool<T> {
    /// The first idle item that `fits`, taken out of the pool; `None`: the caller makes one.
    /// Either way one more item is out until it is given back.
    pub fn take_if(&self, fits: impl Fn(&T) -> bool) -> Option<T> {
        let mut state = self.state.lock().expect("not poisoned");
        state.out += 1;
        state.most_out = state.most_out.max(state.out);
        let at = state.idle.iter().position(fits)?;
        Some(state.idle.remove(at))
    }

    /// Keeps `item` for a later take (the oldest idle one goes when the pool is full: room for
    /// `KEEPS`, or for as many as were out at once).
    pub fn give_back(&self, item: T) {
        let mut state = self.state.lock().expect("not poisoned");
        state.out = state.out.saturating_sub(1);
        if state.idle.len() >= KEEPS.max(state.most_out) {
            state.idle.remove(0);
        }
        state.idle.push(item);
    }

    /// Items waiting for a run.
    pub fn idle(&self) -> usize {
        self.state.lock().expect("not poisoned").idle.len()
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

    #[test]
    fn keeps_one_for_each_of_the_most_runs_at_once() {
        // eight runs at once (a worker's concurrency): all eight are kept for the next eight
        let pool: Pool<usize> = Pool::default();
        let taken: Vec<Option<usize>> = (0..8).map(|_| pool.take_if(|_| true)).collect();
        assert!(taken.iter().all(Option::is_none));
        for i in 0..8 {
            pool.give_back(i);
        }
        assert_eq!(pool.idle(), 8);
        let again: Vec<Option<usize>> = (0..8).map(|_| pool.take_if(|_| true)).collect();
        assert!(again.iter().all(Option::is_some));
        // one more than ever ran at once is not kept
        for i in 0..8 {
            pool.give_back(i);
        }
        pool.give_back(8);
        assert_eq!(pool.idle(), 8);
    }
}
