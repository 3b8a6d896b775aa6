//! `continuum run --invoke FUNC ARGS...`: calling one exported function.

use crate::guest::Host;
use anyhow::{Context, Result, anyhow, bail};
use wasmtime::{Instance, Store, Val, ValType};

/// Parses one argument for a parameter of type `ty`.
pub fn parse_val(text: &str, ty: &ValType) -> Result<Val> {
    let bad = || anyhow!("`{text}` is not a valid {ty} argument");
    Ok(match ty {
        ValType::I32 => Val::I32(
            text.parse::<i32>()
                .or_else(|_| text.parse::<u32>().map(|u| u as i32))
                .map_err(|_| bad())?,
        ),
        ValType::I64 => Val::I64(
            text.parse::<i64>()
                .or_else(|_| text.parse::<u64>().map(|u| u as i64))
                .map_err(|_| bad())?,
        ),
        ValType::F32 => Val::F32(text.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(text.parse::<f64>().map_err(|_| bad())?.to_bits()),
        other => bail!("cannot pass a {other} from the command line"),
    })
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(x) => f32::from_bits(*x).to_string(),
        Val::F64(x) => f64::from_bits(*x).to_string(),
        other => format!("{other:?}"),
    }
}

/// Runs `_initialize` if the module is a reactor, then calls `name` with
/// `args` and prints each result on its own line.
pub fn invoke(
    store: &mut Store<Host>,
    instance: &Instance,
    name: &str,
    args: &[String],
) -> wasmtime::Result<()> {
    if let Some(init) = instance.get_func(&mut *store, "_initialize") {
        init.call(&mut *store, &[], &mut [])?;
    }
    let func = instance.get_func(&mut *store, name).ok_or_else(|| {
        wasmtime::Error::msg(format!("the module exports no function named `{name}`"))
    })?;
    let ty = func.ty(&*store);
    let params: Vec<ValType> = ty.params().collect();
    if params.len() != args.len() {
        return Err(wasmtime::Error::msg(format!(
            "`{name}` takes {} argument(s) ({}), {} given",
            params.len(),
            params
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            args.len()
        )));
    }
    let vals: Vec<Val> = args
        .iter()
        .zip(&params)
        .map(|(a, t)| parse_val(a, t).with_context(|| format!("argument of `{name}`")))
        .collect::<Result<_>>()
        .map_err(|e| wasmtime::Error::msg(format!("{e:#}")))?;
    let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
    func.call(&mut *store, &vals, &mut results)?;
    for r in &results {
        println!("{}", show(r));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_by_type() {
        assert!(matches!(
            parse_val("-3", &ValType::I32).unwrap(),
            Val::I32(-3)
        ));
        assert!(matches!(
            parse_val("4294967295", &ValType::I32).unwrap(),
            Val::I32(-1)
        ));
        assert!(
            matches!(parse_val("1.5", &ValType::F64).unwrap(), Val::F64(b) if f64::from_bits(b) == 1.5)
        );
        assert!(
            parse_val("x", &ValType::I64)
                .unwrap_err()
                .to_string()
                .contains("i64")
        );
    }
}
