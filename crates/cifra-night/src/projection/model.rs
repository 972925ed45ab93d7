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
    /// size times its rate, shrunk towards its comuna's, its region's and the nation's.
    pub(crate) fn predict(&self, f: impl Fn(&[f64]) -> f64) -> f64 {
        let q = self.leaf_q(&f);
        let (comunas, regions, nation) = self.nodes(&q);
        let m = PRIOR_ELECTORS * self.prior_scale();
        let shrink = |n: &Node, parent: f64| (n.q + m * parent) / (n.x + m);
        let r_nation = nation.q / nation.x;
        let r_region: Vec<f64> = regions.iter().map(|n| shrink(n, r_nation)).collect();
        let r_comuna: Vec<f64> = comunas
            .iter()
            .zip(&self.design.comuna_region)
            .map(|(n, &r)| shrink(n, r_region[r as usize]))
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

    /// The variance of the error of [`Fit::predict`] for `f`, as for ratio estimators:
    /// inside a comuna with counted polling places, `phi * (U + U^2 / X)` with `phi` the
    /// variance per unit of size of the counted places' residuals around the comuna's
    /// ratio (pooled with the region's); comunas with nothing counted share their region's
    /// ratio error and add the spread of comunas around it; regions with nothing counted
    /// likewise around the nation. Infinite when too little is counted to say.
    pub(crate) fn variance(&self, f: impl Fn(&[f64]) -> f64) -> f64 {
        let d = self.design;
        let q = self.leaf_q(&f);
        let (comunas, regions, nation) = self.nodes(&q);
        // Within comunas: residuals of counted polling places around the comuna's ratio.
        let mut ss_c = vec![0.0; comunas.len()];
        for (l, &c) in d.leaf_comuna.iter().enumerate() {
            let x = self.count.leaf_x[l] as f64;
            if x > 0.0 {
                let node = &comunas[c as usize];
                let e = q[l] - node.q / node.x * x;
                ss_c[c as usize] += e * e;
            }
        }
        let corrected = |ss: f64, n: u32| ss * f64::from(n) / f64::from(n - 1);
        // Per region and nation, the pooled variance per unit of size within comunas.
        let mut pool_r = vec![(0.0, 0.0); regions.len()];
        let mut pool_n = (0.0, 0.0);
        for (c, node) in comunas.iter().enumerate() {
            if node.n >= 2 {
                let ss = corrected(ss_c[c], node.n);
                let p = &mut pool_r[d.comuna_region[c] as usize];
                p.0 += ss;
                p.1 += node.x;
                pool_n.0 += ss;
                pool_n.1 += node.x;
            }
        }
        // Between comunas around their region's ratio (per unit of size squared), pooled
        // over the nation for regions with fewer than two counted comunas.
        let mut between_r = vec![(0.0, 0.0, 0.0); regions.len()];
        let mut between_n = (0.0, 0.0);
        for (c, node) in comunas.iter().enumerate() {
            let r = d.comuna_region[c] as usize;
            between_r[r].2 += node.x * node.x;
            if node.x > 0.0 && regions[r].n >= 2 {
                let region = &regions[r];
                let e = node.q - region.q / region.x * node.x;
                let w = f64::from(region.n) / f64::from(region.n - 1);
                between_r[r].0 += e * e * w;
                between_r[r].1 += node.x * node.x;
                between_n.0 += e * e * w;
                between_n.1 += node.x * node.x;
            }
        }
        let phi_n = if pool_n.1 > 0.0 {
            pool_n.0 / pool_n.1
        } else if between_n.1 > 0.0 {
            // No comuna has two counted places: the spread between comunas stands in.
            between_n.0 / between_n.1 * (nation.x / f64::from(nation.n.max(1)))
        } else {
            return f64::INFINITY;
        };
        let psi_n = if between_n.1 > 0.0 {
            between_n.0 / between_n.1
        } else {
            f64::INFINITY
        };
        const NU: f64 = 2.0;
        let mut var = 0.0;
        // Regions' zero-comuna parts and comunas with counted places.
        let mut zero_regions = (0.0, 0.0); // (U, sum of U_r^2)
        for (r, region) in regions.iter().enumerate() {
            if region.x == 0.0 {
                if region.u > 0.0 {
                    zero_regions.0 += region.u;
                    zero_regions.1 += region.u * region.u;
                }
                continue;
            }
            let phi_r = if pool_r[r].1 > 0.0 {
                // Pooled with the nation's as if the nation added NU places' worth.
                let n_eff = pool_r[r].1 / (nation.x / f64::from(nation.n.max(1)));
                (pool_r[r].0 / pool_r[r].1 * n_eff + NU * phi_n) / (n_eff + NU)
            } else {
                phi_n
            };
            let psi_r = if between_r[r].1 > 0.0 && region.n >= 3 {
                between_r[r].0 / between_r[r].1
            } else {
                psi_n
            };
            let (mut u0, mut u0_sq) = (0.0, 0.0);
            for (c, node) in comunas.iter().enumerate() {
                if d.comuna_region[c] as usize != r || node.u == 0.0 {
                    continue;
                }
                if node.x > 0.0 {
                    let phi_c = if node.n >= 2 {
                        let own = corrected(ss_c[c], node.n) / node.x;
                        (own * f64::from(node.n - 1) + NU * phi_r) / (f64::from(node.n - 1) + NU)
                    } else {
                        phi_r
                    };
                    var += phi_c * (node.u + node.u * node.u / node.x);
                } else {
                    u0 += node.u;
                    u0_sq += node.u * node.u;
                }
            }
            if u0 > 0.0 {
                // The region's ratio from its counted comunas: their spread over X_r^2.
                let v_r = psi_r * between_r[r].2 / (region.x * region.x);
                var += times(v_r, u0 * u0) + times(psi_r, u0_sq) + phi_r * u0;
            }
        }
        if zero_regions.0 > 0.0 {
            // Regions with nothing counted: the nation's ratio, the spread of regions
            // around it and of comunas inside them.
            let mut ss = 0.0;
            let mut x_sq = 0.0;
            for region in &regions {
                if region.x > 0.0 {
                    let e = region.q - nation.q / nation.x * region.x;
                    ss += e * e;
                    x_sq += region.x * region.x;
                }
            }
            if nation.n < 2 {
                return f64::INFINITY;
            }
            let w = f64::from(nation.n) / f64::from(nation.n - 1);
            let psi_regions = ss * w / x_sq;
            let v_n = ss * w / (nation.x * nation.x);
            let u_c_sq: f64 = comunas
                .iter()
                .zip(&d.comuna_region)
                .filter(|(_, &r)| regions[r as usize].x == 0.0)
                .map(|(n, _)| n.u * n.u)
                .sum();
            let u = zero_regions.0;
            var += u * u * v_n + psi_regions * zero_regions.1 + times(psi_n, u_c_sq) + phi_n * u;
        }
        var
    }
}

/// `a * b`, 0 when `b` is 0 (an infinite variance times nothing uncounted adds nothing).
fn times(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a * b
    }
}
