//! The model behind the projection: the election's mesas arranged as polling places in
//! comunas in regions ([`Design`]), the counted mesas' sums per polling place ([`Count`],
//! exact integers, so adding actas one by one or all at once gives the same state), and
//! the fit ([`Fit`]): predictions of the uncounted mesas and the variance of their error.
//!
//! Every quantity projected is a linear function `f` of a mesa's votes per option (an
//! option's votes, the valid votes, `votes_a - votes_b`, `votes_a - share * valid`), so
//! one fit serves the shares, the votes, the turnout and the calls.

use crate::election::Election;
use crate::projection::PRIOR_ELECTORS;
use std::collections::HashMap;

/// How the outcome of the contest is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// More than half of the valid votes wins; else the two first go to a runoff
    /// (`cl-presidential`).
    MajorityOrRunoff,
    /// The most votes win (mayors and other single offices).
    Plurality,
}

/// The election as the projection sees it, fixed for the night: each mesa's size (its
/// registered electors, or 1 when electors are not known), its polling place, comuna and
/// region, the options and which are candidates.
///
/// The places come from the territory columns, broadest first: the first is the region,
/// the second the comuna (else the region again), the last of three or more the polling
/// place (else each mesa is its own place).
#[derive(Debug, Clone)]
pub struct Design {
    /// The options, in the election's order.
    pub options: Vec<String>,
    /// The candidates' positions in `options` (all but `blank` and `null`).
    pub valid: Vec<usize>,
    /// Whether every mesa's registered electors are known.
    pub knows_electors: bool,
    /// How the outcome is decided.
    pub rule: Rule,
    /// The electors (or mesas) of the whole election.
    pub total_size: f64,
    /// Per mesa, its size.
    size: Vec<u64>,
    /// Per mesa, its polling place.
    leaf_of: Vec<u32>,
    /// Per polling place, its comuna.
    leaf_comuna: Vec<u32>,
    /// Per comuna, its region.
    comuna_region: Vec<u32>,
    /// Per polling place, its total size.
    leaf_size: Vec<u64>,
    /// Number of regions.
    regions: usize,
}

/// Why a design cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    /// A mesa's territory has fewer values than another's.
    #[error("mesa {mesa}: {got} territory values, {expected} expected")]
    Territory {
        /// The mesa's position.
        mesa: usize,
        /// Its number of values.
        got: usize,
        /// The first mesa's number.
        expected: usize,
    },
    /// No options.
    #[error("no candidate among the options")]
    NoCandidate,
}

impl Design {
    /// The design of `mesas` (each its territory values, broadest first, and its
    /// electors), counting `options`, decided by `system` (`cl-presidential` decides by
    /// majority or runoff, every other single office by plurality).
    pub fn new<'a>(
        options: &[String],
        system: &str,
        mesas: impl IntoIterator<Item = (&'a [String], Option<u64>)>,
    ) -> Result<Design, DesignError> {
        let valid: Vec<usize> = (0..options.len())
            .filter(|&j| !matches!(options[j].as_str(), "blank" | "null"))
            .collect();
        if valid.is_empty() {
            return Err(DesignError::NoCandidate);
        }
        let mut regions: HashMap<&str, u32> = HashMap::new();
        let mut comunas: HashMap<(&str, &str), u32> = HashMap::new();
        let mut leaves: HashMap<Vec<&str>, u32> = HashMap::new();
        let (mut size, mut leaf_of) = (Vec::new(), Vec::new());
        let (mut leaf_comuna, mut comuna_region, mut leaf_size) =
            (Vec::new(), Vec::new(), Vec::new());
        let mut electors_known = true;
        let mut depth = None;
        for (m, (territory, electors)) in mesas.into_iter().enumerate() {
            let expected = *depth.get_or_insert(territory.len());
            if territory.len() != expected {
                return Err(DesignError::Territory {
                    mesa: m,
                    got: territory.len(),
                    expected,
                });
            }
            let region = territory.first().map_or("", String::as_str);
            let comuna = territory.get(1).map_or(region, String::as_str);
            let next = regions.len() as u32;
            let r = *regions.entry(region).or_insert(next);
            let next = comunas.len() as u32;
            let c = *comunas.entry((region, comuna)).or_insert(next);
            if c as usize == comuna_region.len() {
                comuna_region.push(r);
            }
            // With fewer than three levels each mesa is its own polling place.
            let leaf = if territory.len() >= 3 {
                let key: Vec<&str> = territory.iter().map(String::as_str).collect();
                let next = leaves.len() as u32;
                *leaves.entry(key).or_insert(next)
            } else {
                leaf_comuna.len() as u32
            };
            if leaf as usize == leaf_comuna.len() {
                leaf_comuna.push(c);
                leaf_size.push(0);
            }
            electors_known &= electors.is_some();
            size.push(electors.unwrap_or(0));
            leaf_of.push(leaf);
        }
        if !electors_known {
            size.iter_mut().for_each(|s| *s = 1);
        }
        for (m, &leaf) in leaf_of.iter().enumerate() {
            leaf_size[leaf as usize] += size[m];
        }
        let total: u64 = size.iter().sum();
        Ok(Design {
            options: options.to_vec(),
            valid,
            knows_electors: electors_known && !size.is_empty(),
            rule: if system == "cl-presidential" {
                Rule::MajorityOrRunoff
            } else {
                Rule::Plurality
            },
            total_size: total as f64,
            size,
            leaf_of,
            leaf_comuna,
            comuna_region,
            leaf_size,
            regions: regions.len(),
        })
    }

    /// The design of a served election.
    pub fn from_election(election: &Election) -> Result<Design, DesignError> {
        let spec = &election.spec;
        Design::new(
            &spec.options,
            &spec.system,
            spec.mesas
                .iter()
                .map(|m| (m.territory.as_slice(), m.electors)),
        )
    }

    /// Number of mesas.
    pub fn mesas(&self) -> usize {
        self.size.len()
    }

    /// Mesa `m`'s size (electors, or 1).
    pub fn size(&self, m: usize) -> u64 {
        self.size[m]
    }

    /// Number of polling places, comunas and regions.
    pub fn places(&self) -> (usize, usize, usize) {
        (
            self.leaf_comuna.len(),
            self.comuna_region.len(),
            self.regions,
        )
    }
}

/// The counted mesas' sums per polling place, in integers (exact: the same state however
/// the actas arrived).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    options: usize,
    /// Per polling place, counted size.
    leaf_x: Vec<u64>,
    /// Per polling place, counted mesas.
    leaf_n: Vec<u32>,
    /// Per polling place and option, counted votes.
    leaf_y: Vec<u64>,
    /// Per polling place, the counted mesas' sums of squares: size², size × votes per
    /// option, and votes × votes per pair of options (upper triangle), for the spread of
    /// mesas inside their polling place.
    leaf_moments: Vec<u64>,
    /// Per option, counted votes.
    votes: Vec<u64>,
    mesas: u64,
    size: u64,
    /// The design's total size.
    total: u64,
}

impl Count {
    /// Nothing counted.
    pub fn new(design: &Design) -> Count {
        let (leaves, k) = (design.leaf_comuna.len(), design.options.len());
        Count {
            options: k,
            leaf_x: vec![0; leaves],
            leaf_n: vec![0; leaves],
            leaf_y: vec![0; leaves * k],
            leaf_moments: vec![0; leaves * moments(k)],
            votes: vec![0; k],
            mesas: 0,
            size: 0,
            total: design.size.iter().sum(),
        }
    }

    /// The count of `counted`: each mesa's position and votes (one per option), each
    /// mesa once.
    pub fn of<'a>(design: &Design, counted: impl IntoIterator<Item = (usize, &'a [u64])>) -> Count {
        let mut count = Count::new(design);
        for (m, votes) in counted {
            count.add(design, m, votes);
        }
        count
    }

    /// Adds mesa `m`'s votes (it was not counted).
    pub fn add(&mut self, design: &Design, m: usize, votes: &[u64]) {
        let leaf = design.leaf_of[m] as usize;
        self.leaf_x[leaf] += design.size[m];
        self.leaf_n[leaf] += 1;
        for (j, &v) in votes.iter().enumerate().take(self.options) {
            self.leaf_y[leaf * self.options + j] += v;
            self.votes[j] += v;
        }
        self.mesas += 1;
        self.size += design.size[m];
        self.moments(design, m, votes, true);
    }

    /// Adds (or takes out) mesa `m`'s squares to its polling place's moments.
    fn moments(&mut self, design: &Design, m: usize, votes: &[u64], add: bool) {
        let k = self.options;
        let at = design.leaf_of[m] as usize * moments(k);
        let slots = &mut self.leaf_moments[at..at + moments(k)];
        let x = design.size[m];
        let v = |i: usize| votes.get(i).copied().unwrap_or(0);
        let put = |slot: &mut u64, t: u64| {
            if add {
                *slot += t;
            } else {
                *slot -= t;
            }
        };
        put(&mut slots[0], x * x);
        for j in 0..k {
            put(&mut slots[1 + j], x * v(j));
        }
        let mut at = 1 + k;
        for i in 0..k {
            let vi = v(i);
            for j in i..k {
                put(&mut slots[at], vi * v(j));
                at += 1;
            }
        }
    }

    /// Takes out mesa `m`'s votes (it was counted with exactly these: before a
    /// correction replaces them).
    pub fn remove(&mut self, design: &Design, m: usize, votes: &[u64]) {
        let leaf = design.leaf_of[m] as usize;
        self.leaf_x[leaf] -= design.size[m];
        self.leaf_n[leaf] -= 1;
        for (j, &v) in votes.iter().enumerate().take(self.options) {
            self.leaf_y[leaf * self.options + j] -= v;
            self.votes[j] -= v;
        }
        self.mesas -= 1;
        self.size -= design.size[m];
        self.moments(design, m, votes, false);
    }

    /// Option `j`'s counted votes.
    pub fn counted_votes(&self, j: usize) -> f64 {
        self.votes[j] as f64
    }

    /// Counted mesas.
    pub fn mesas_counted(&self) -> u64 {
        self.mesas
    }

    /// The size (electors, or mesas) not counted yet.
    pub fn uncounted_size(&self) -> f64 {
        (self.total - self.size) as f64
    }

    /// The counted size (electors, or mesas).
    pub fn counted_size(&self) -> u64 {
        self.size
    }
}

/// The fit of the counted polling places: the counted sums as floats, in the order of the
/// design (every sum below runs in that fixed order).
pub(crate) struct Fit<'a> {
    design: &'a Design,
    count: &'a Count,
    /// Per polling place, uncounted size.
    leaf_u: Vec<f64>,
    /// Per polling place and option, counted votes.
    leaf_y: Vec<f64>,
}

/// Sums of a quantity over a level's nodes: counted quantity, counted size, uncounted
/// size, counted children.
#[derive(Clone, Copy, Default)]
struct Node {
    q: f64,
    x: f64,
    u: f64,
    n: u32,
}

impl<'a> Fit<'a> {
    /// The fit of `count`, or `None` when nothing with a size is counted.
    pub(crate) fn new(design: &'a Design, count: &'a Count) -> Option<Fit<'a>> {
        if count.size == 0 {
            return None;
        }
        let leaf_u = design
            .leaf_size
            .iter()
            .zip(&count.leaf_x)
            .map(|(&s, &x)| (s - x) as f64)
            .collect();
        let leaf_y = count.leaf_y.iter().map(|&y| y as f64).collect();
        Some(Fit {
            design,
            count,
            leaf_u,
            leaf_y,
        })
    }

    /// Per polling place, `f` of its counted votes.
    fn leaf_q(&self, f: &impl Fn(&[f64]) -> f64) -> Vec<f64> {
        let k = self.design.options.len();
        (0..self.leaf_u.len())
            .map(|l| f(&self.leaf_y[l * k..(l + 1) * k]))
            .collect()
    }

    /// The sums of `q` over comunas and regions, and the nation's.
    fn nodes(&self, q: &[f64]) -> (Vec<Node>, Vec<Node>, Node) {
        let d = self.design;
        let mut comunas = vec![Node::default(); d.comuna_region.len()];
        for (l, &c) in d.leaf_comuna.iter().enumerate() {
            let node = &mut comunas[c as usize];
            node.q += q[l];
            node.x += self.count.leaf_x[l] as f64;
            node.u += self.leaf_u[l];
            node.n += u32::from(self.count.leaf_x[l] > 0);
        }
        let mut regions = vec![Node::default(); d.regions];
        for (c, &r) in d.comuna_region.iter().enumerate() {
            let node = &mut regions[r as usize];
            node.q += comunas[c].q;
            node.x += comunas[c].x;
            node.u += comunas[c].u;
            node.n += u32::from(comunas[c].x > 0.0);
        }
        let mut nation = Node::default();
        for r in &regions {
            nation.q += r.q;
            nation.x += r.x;
            nation.u += r.u;
            nation.n += u32::from(r.x > 0.0);
        }
        (comunas, regions, nation)
    }

    /// The predicted sum of `f` over the uncounted mesas: each polling place's uncounted
    /// size times its rate: its polling place's counted rate shrunk towards its comuna's
    /// (the comuna's, region's or nation's own ratio, the first with mesas counted).
    pub(crate) fn predict(&self, f: impl Fn(&[f64]) -> f64) -> f64 {
        let q = self.leaf_q(&f);
        let (comunas, regions, nation) = self.nodes(&q);
        let m = PRIOR_ELECTORS * self.prior_scale();
        // Regions and comunas take their own ratio, or their parent's with nothing
        // counted: shrinking them would bias the total (the nation's ratio is the big
        // regions', and small places would be pulled towards it); polling places, small
        // and correlated with their comuna, are shrunk.
        let own = |n: &Node, parent: f64| if n.x > 0.0 { n.q / n.x } else { parent };
        let shrink = |n: &Node, parent: f64| (n.q + m * parent) / (n.x + m);
        let r_nation = nation.q / nation.x;
        let r_region: Vec<f64> = regions.iter().map(|n| own(n, r_nation)).collect();
        let r_comuna: Vec<f64> = comunas
            .iter()
            .zip(&self.design.comuna_region)
            .map(|(n, &r)| own(n, r_region[r as usize]))
            .collect();
        let mut total = 0.0;
        for (l, &c) in self.design.leaf_comuna.iter().enumerate() {
            if self.leaf_u[l] > 0.0 {
                let node = Node {
                    q: q[l],
                    x: self.count.leaf_x[l] as f64,
                    ..Node::default()
                };
                total += self.leaf_u[l] * shrink(&node, r_comuna[c as usize]);
            }
        }
        total
    }

    /// The prior's scale: 1 in electors, the mean electors of a mesa's share when the
    /// sizes are mesas.
    fn prior_scale(&self) -> f64 {
        if self.design.knows_electors {
            1.0
        } else {
            // A mesa has about 300 electors: the same prior, in mesas.
            1.0 / 300.0
        }
    }

    /// The variance of the error of [`Fit::predict`] for `f`, under a hierarchical model
    /// of rates (votes of `f` per elector): a mesa's votes vary around its polling
    /// place's rate with variance `sigma2 * electors`; polling places' rates around their
    /// comuna's with variance `tau2`, comunas' around their region's with `psi_c`,
    /// regions' around the nation's with `psi_r`. The components are estimated by moments
    /// from the counted mesas (pooled per region, else over the nation); the error of a
    /// polling place's prediction adds its mesas' noise, its own rate's error (its counted
    /// mesas against the shrinkage) and, shared by every place predicted from it, the
    /// error of its comuna's (region's, nation's) rate. Infinite when too little is
    /// counted to say.
    pub(crate) fn variance(&self, f: impl Fn(&[f64]) -> f64) -> f64 {
        // Nothing left to predict: no error, whatever could be estimated.
        if self.leaf_u.iter().all(|&u| u == 0.0) {
            return 0.0;
        }
        let d = self.design;
        let k = d.options.len();
        // f is linear: its coefficients are its values at the unit vectors.
        let a: Vec<f64> = (0..k)
            .map(|j| {
                let mut e = vec![0.0; k];
                e[j] = 1.0;
                f(&e)
            })
            .collect();
        let q = self.leaf_q(&f);
        let (comunas, regions, nation) = self.nodes(&q);
        let mm = moments(k);
        // Within polling places: sum of squares of mesas around their place's ratio, and
        // what it would be for unit variance per elector.
        let mut within_r = vec![(0.0, 0.0); regions.len()];
        for (l, &q_l) in q.iter().enumerate() {
            let (x, n) = (self.count.leaf_x[l] as f64, self.count.leaf_n[l]);
            if n < 2 || x == 0.0 {
                continue;
            }
            let mo = &self.count.leaf_moments[l * mm..(l + 1) * mm];
            let xx = mo[0] as f64;
            let xf: f64 = (0..k).map(|j| a[j] * mo[1 + j] as f64).sum();
            let mut ff = 0.0;
            let mut at = 1 + k;
            for i in 0..k {
                for j in i..k {
                    let w = if i == j { 1.0 } else { 2.0 };
                    ff += w * a[i] * a[j] * mo[at] as f64;
                    at += 1;
                }
            }
            let r = q_l / x;
            let ss = (ff - 2.0 * r * xf + r * r * xx).max(0.0);
            let region = d.comuna_region[d.leaf_comuna[l] as usize] as usize;
            within_r[region].0 += ss;
            within_r[region].1 += x - xx / x;
        }
        let pooled = |parts: &[(f64, f64)], r: Option<usize>| -> Option<f64> {
            let (ss, df) = match r {
                Some(r) => parts[r],
                None => parts.iter().fold((0.0, 0.0), |t, p| (t.0 + p.0, t.1 + p.1)),
            };
            (df > 0.0).then(|| ss / df)
        };
        // No polling place with two counted mesas (early in the night, or each mesa its
        // own place): the spread between places inside comunas takes the mesas' noise in.
        let sigma_n = pooled(&within_r, None).unwrap_or(0.0);
        let sigma: Vec<f64> = (0..regions.len())
            .map(|r| pooled(&within_r, Some(r)).unwrap_or(sigma_n))
            .collect();
        // Between polling places inside comunas with two or more counted places.
        let mut between_r = vec![(0.0, 0.0); regions.len()];
        let mut ss_c = vec![(0.0, 0.0); comunas.len()]; // (sum of squares, sum of X_l^2)
        for (l, &c) in d.leaf_comuna.iter().enumerate() {
            let x = self.count.leaf_x[l] as f64;
            if x > 0.0 {
                let node = &comunas[c as usize];
                let e = q[l] - node.q / node.x * x;
                ss_c[c as usize].0 += e * e;
                ss_c[c as usize].1 += x * x;
            }
        }
        for (c, node) in comunas.iter().enumerate() {
            if node.n >= 2 {
                let r = d.comuna_region[c] as usize;
                let factor = f64::from(node.n - 1) / f64::from(node.n);
                let noise = sigma[r] * node.x * factor;
                between_r[r].0 += ss_c[c].0 - noise;
                between_r[r].1 += ss_c[c].1 * factor;
            }
        }
        let tau_n = pooled(&between_r, None).unwrap_or(0.0).max(0.0);
        let tau: Vec<f64> = (0..regions.len())
            .map(|r| match pooled(&between_r, Some(r)) {
                // A region's own estimate, shrunk towards the nation's by its weight.
                Some(t) => {
                    let w = between_r[r].1 / (between_r[r].1 + 0.25 * pooled_weight(&between_r));
                    (w * t + (1.0 - w) * tau_n).max(0.0)
                }
                None => tau_n,
            })
            .collect();
        // Each comuna's rate error.
        let v_c: Vec<f64> = comunas
            .iter()
            .enumerate()
            .map(|(c, node)| {
                let r = d.comuna_region[c] as usize;
                if node.x > 0.0 {
                    (sigma[r] * node.x + tau[r] * ss_c[c].1) / (node.x * node.x)
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        // Between comunas around their region (per region with 2+ counted comunas).
        let mut comunas_r = vec![(0.0, 0.0, 0.0); regions.len()]; // (ss, sum X_c^2, sum X_c^2 V_c)
        for (c, node) in comunas.iter().enumerate() {
            if node.x > 0.0 {
                let r = d.comuna_region[c] as usize;
                let region = &regions[r];
                let e = node.q - region.q / region.x * node.x;
                comunas_r[r].0 += e * e;
                comunas_r[r].1 += node.x * node.x;
                comunas_r[r].2 += node.x * node.x * v_c[c];
            }
        }
        let mut psi_parts = vec![(0.0, 0.0); regions.len()];
        for (r, region) in regions.iter().enumerate() {
            if region.n >= 2 {
                let factor = f64::from(region.n - 1) / f64::from(region.n);
                psi_parts[r] = (
                    comunas_r[r].0 - comunas_r[r].2 * factor,
                    comunas_r[r].1 * factor,
                );
            }
        }
        let psi_n = pooled(&psi_parts, None).map(|p| p.max(0.0));
        let psi: Vec<Option<f64>> = (0..regions.len())
            .map(|r| {
                if regions[r].n >= 3 {
                    pooled(&psi_parts, Some(r)).map(|p| p.max(0.0))
                } else {
                    psi_n
                }
            })
            .collect();
        let m = PRIOR_ELECTORS * self.prior_scale();
        let mut var = 0.0;
        // Polling places in comunas with counted mesas.
        let mut shared_c = vec![0.0; comunas.len()];
        // Per region: uncounted size in comunas with nothing counted, their squares, and
        // the squares of their polling places.
        let mut zero_c = vec![(0.0, 0.0, 0.0); regions.len()];
        for (l, &c) in d.leaf_comuna.iter().enumerate() {
            let u = self.leaf_u[l];
            if u == 0.0 {
                continue;
            }
            let r = d.comuna_region[c as usize] as usize;
            var += sigma[r] * u;
            if comunas[c as usize].x > 0.0 {
                let x = self.count.leaf_x[l] as f64;
                let w = x / (x + m);
                let own = if x > 0.0 { w * w * sigma[r] / x } else { 0.0 };
                var += u * u * (own + (1.0 - w) * (1.0 - w) * tau[r]);
                shared_c[c as usize] += u * (1.0 - w);
            } else {
                var += u * u * tau[r];
                zero_c[r].2 += u * u;
            }
        }
        for (c, node) in comunas.iter().enumerate() {
            if node.x > 0.0 {
                var += shared_c[c] * shared_c[c] * v_c[c];
            } else if node.u > 0.0 {
                let r = d.comuna_region[c] as usize;
                zero_c[r].0 += node.u;
                zero_c[r].1 += node.u * node.u;
            }
        }
        // Comunas with nothing counted: their region's rate and the spread of comunas.
        let mut v_r = vec![f64::INFINITY; regions.len()];
        for (r, region) in regions.iter().enumerate() {
            if region.x > 0.0 {
                let Some(p) = psi[r] else {
                    if zero_c[r].0 > 0.0 {
                        return f64::INFINITY;
                    }
                    continue;
                };
                v_r[r] = (comunas_r[r].2 + p * comunas_r[r].1) / (region.x * region.x);
                var += times(v_r[r], zero_c[r].0 * zero_c[r].0) + times(p, zero_c[r].1);
            }
        }
        // Regions with nothing counted: the nation's rate and the spread of regions.
        let zero_u: f64 = regions.iter().filter(|r| r.x == 0.0).map(|r| r.u).sum();
        if zero_u > 0.0 {
            let Some(psi_c) = psi_n else {
                return f64::INFINITY;
            };
            if nation.n < 2 {
                return f64::INFINITY;
            }
            let (mut ss, mut x2, mut x2v) = (0.0, 0.0, 0.0);
            for (r, region) in regions.iter().enumerate() {
                if region.x > 0.0 {
                    let e = region.q - nation.q / nation.x * region.x;
                    ss += e * e;
                    x2 += region.x * region.x;
                    x2v += region.x * region.x * v_r[r].min(f64::MAX);
                }
            }
            let factor = f64::from(nation.n - 1) / f64::from(nation.n);
            // The spread of regions' rates, each region weighing the same (small regions
            // deviate most, and the weighted spread would be the largest region's alone).
            let mut spread = 0.0;
            for (r, region) in regions.iter().enumerate() {
                if region.x > 0.0 {
                    let e = region.q / region.x - nation.q / nation.x;
                    spread += e * e - v_r[r].min(f64::MAX);
                }
            }
            let psi_r = (spread / f64::from(nation.n - 1))
                .max((ss - x2v * factor) / (x2 * factor))
                .max(0.0);
            let v_n = (x2v + psi_r * x2) / (nation.x * nation.x);
            let u_r2: f64 = regions
                .iter()
                .filter(|r| r.x == 0.0)
                .map(|r| r.u * r.u)
                .sum();
            let u_c2: f64 = zero_c
                .iter()
                .zip(&regions)
                .filter(|(_, r)| r.x == 0.0)
                .map(|(z, _)| z.1)
                .sum();
            // Few counted regions estimate their spread poorly: the predictive t's
            // variance, df / (df - 2) with df = counted regions - 1, widens it.
            let df = f64::from(nation.n) - 1.0;
            let t = if df > 2.0 { df / (df - 2.0) } else { 3.0 };
            var += t * (v_n * zero_u * zero_u + psi_r * u_r2) + psi_c * u_c2;
        }
        var
    }
}

/// The weight of all regions' between-place sums of squares (for shrinking one region's).
fn pooled_weight(parts: &[(f64, f64)]) -> f64 {
    parts.iter().map(|p| p.1).sum::<f64>() / parts.len().max(1) as f64
}

/// The number of moments kept per polling place for `k` options.
fn moments(k: usize) -> usize {
    1 + k + k * (k + 1) / 2
}

/// `a * b`, 0 when `b` is 0 (an infinite variance times nothing uncounted adds nothing).
fn times(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a * b
    }
}
