package transform

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"
)

// typeCode returns jen code naming t as seen from package pkg (types of pkg are unqualified; others use jen.Qual).
// It returns an error when t cannot be named from pkg: an unexported type of another package, or a type
// declared inside a function (types.Named whose Obj().Parent() is not the package scope). The error message
// names the type, e.g. "type thing of package example.com/other is not exported".
//
// Untyped basic types are written as their default types (untyped nil is an error). Unexported
// struct fields and interface methods of another package are errors too, since a literal
// struct or interface type written in pkg would not be identical.
// hoistedTypes maps a type declared inside an async function to the name asyncgen
// declares it under at package level.
var hoistedTypes sync.Map // *types.TypeName -> string

func typeCode(t types.Type, pkg *types.Package) (jen.Code, error) {
	return tjType(t, pkg)
}

func tjType(t types.Type, pkg *types.Package) (*jen.Statement, error) {
	switch t := t.(type) {
	case nil:
		return nil, fmt.Errorf("missing type")
	case *types.Basic:
		return tjBasic(t)
	case *types.Pointer:
		elem, err := tjType(t.Elem(), pkg)
		if err != nil {
			return nil, err
		}
		return jen.Op("*").Add(elem), nil
	case *types.Slice:
		elem, err := tjType(t.Elem(), pkg)
		if err != nil {
			return nil, err
		}
		return jen.Index().Add(elem), nil
	case *types.Array:
		elem, err := tjType(t.Elem(), pkg)
		if err != nil {
			return nil, err
		}
		return jen.Index(jen.Op(strconv.FormatInt(t.Len(), 10))).Add(elem), nil
	case *types.Map:
		key, err := tjType(t.Key(), pkg)
		if err != nil {
			return nil, err
		}
		elem, err := tjType(t.Elem(), pkg)
		if err != nil {
			return nil, err
		}
		return jen.Map(key).Add(elem), nil
	case *types.Chan:
		elem, err := tjType(t.Elem(), pkg)
		if err != nil {
			return nil, err
		}
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(elem), nil
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(elem), nil
		default:
			// chan <-chan T would be read as chan<- chan T.
			if ec, ok := types.Unalias(t.Elem()).(*types.Chan); ok && ec.Dir() == types.RecvOnly {
				return jen.Chan().Parens(elem), nil
			}
			return jen.Chan().Add(elem), nil
		}
	case *types.Signature:
		if t.TypeParams().Len() > 0 {
			return nil, fmt.Errorf("generic function type %s cannot be named", t)
		}
		s := jen.Func()
		if err := tjSignature(s, t, pkg); err != nil {
			return nil, err
		}
		return s, nil
	case *types.Struct:
		fields := make([]jen.Code, t.NumFields())
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() && f.Pkg() != nil && !tjSamePkg(f.Pkg(), pkg) {
				return nil, fmt.Errorf("field %s of package %s is not exported", f.Name(), f.Pkg().Path())
			}
			ft, err := tjType(f.Type(), pkg)
			if err != nil {
				return nil, err
			}
			var s *jen.Statement
			if f.Embedded() {
				s = ft
			} else {
				s = jen.Id(f.Name()).Add(ft)
			}
			if tag := t.Tag(i); tag != "" {
				s = jen.Add(s).Op(tjQuoteTag(tag))
			}
			fields[i] = s
		}
		return jen.Struct(fields...), nil
	case *types.Interface:
		if t.NumExplicitMethods() == 0 && t.NumEmbeddeds() == 0 {
			return jen.Any(), nil
		}
		var elems []jen.Code
		for i := range t.NumEmbeddeds() {
			e, err := tjType(t.EmbeddedType(i), pkg)
			if err != nil {
				return nil, err
			}
			elems = append(elems, e)
		}
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			if !m.Exported() && m.Pkg() != nil && !tjSamePkg(m.Pkg(), pkg) {
				return nil, fmt.Errorf("method %s of package %s is not exported", m.Name(), m.Pkg().Path())
			}
			s := jen.Id(m.Name())
			if err := tjSignature(s, m.Type().(*types.Signature), pkg); err != nil {
				return nil, err
			}
			elems = append(elems, s)
		}
		return jen.Interface(elems...), nil
	case *types.Union:
		s := jen.Null()
		for i := range t.Len() {
			term := t.Term(i)
			tc, err := tjType(term.Type(), pkg)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				s.Op("|")
			}
			if term.Tilde() {
				s.Op("~")
			}
			s.Add(tc)
		}
		return s, nil
	case *types.Named:
		obj := t.Obj()
		s, err := tjObjName(obj, pkg)
		if err != nil {
			return nil, err
		}
		if t.TypeParams().Len() > 0 && t.TypeArgs().Len() == 0 {
			return nil, fmt.Errorf("generic type %s cannot be used without instantiation", obj.Name())
		}
		if err := tjTypeArgs(s, t.TypeArgs(), pkg); err != nil {
			return nil, err
		}
		return s, nil
	case *types.Alias:
		obj := t.Obj()
		s, err := tjObjName(obj, pkg)
		if err != nil || (t.TypeParams().Len() > 0 && t.TypeArgs().Len() == 0) {
			return tjType(types.Unalias(t), pkg)
		}
		if err := tjTypeArgs(s, t.TypeArgs(), pkg); err != nil {
			return tjType(types.Unalias(t), pkg)
		}
		return s, nil
	case *types.TypeParam:
		return jen.Id(t.Obj().Name()), nil
	default:
		return nil, fmt.Errorf("type %s (%T) cannot be written as a type expression", t, t)
	}
}

func tjSamePkg(a, b *types.Package) bool {
	return a == b || (a != nil && b != nil && a.Path() == b.Path())
}

// tjObjName names the type name obj from pkg.
func tjObjName(obj *types.TypeName, pkg *types.Package) (*jen.Statement, error) {
	p := obj.Pkg()
	if p == nil {
		// universe: error, comparable, any
		return jen.Id(obj.Name()), nil
	}
	if obj.Parent() != p.Scope() {
		if name, ok := hoistedTypes.Load(obj); ok {
			return jen.Id(name.(string)), nil
		}
		return nil, fmt.Errorf("type %s of package %s is declared inside a function", obj.Name(), p.Path())
	}
	if tjSamePkg(p, pkg) {
		return jen.Id(obj.Name()), nil
	}
	if !obj.Exported() {
		return nil, fmt.Errorf("type %s of package %s is not exported", obj.Name(), p.Path())
	}
	return jen.Qual(p.Path(), obj.Name()), nil
}

func tjTypeArgs(s *jen.Statement, args *types.TypeList, pkg *types.Package) error {
	if args.Len() == 0 {
		return nil
	}
	codes := make([]jen.Code, args.Len())
	for i := range args.Len() {
		a, err := tjType(args.At(i), pkg)
		if err != nil {
			return err
		}
		codes[i] = a
	}
	s.Types(codes...)
	return nil
}

// tjSignature appends "(params) results" for sig to s.
func tjSignature(s *jen.Statement, sig *types.Signature, pkg *types.Package) error {
	params, err := tjTuple(sig.Params(), sig.Variadic(), pkg)
	if err != nil {
		return err
	}
	s.Params(params...)
	res := sig.Results()
	switch {
	case res.Len() == 0:
	case res.Len() == 1 && res.At(0).Name() == "":
		r, err := tjType(res.At(0).Type(), pkg)
		if err != nil {
			return err
		}
		s.Add(r)
	default:
		results, err := tjTuple(res, false, pkg)
		if err != nil {
			return err
		}
		s.Params(results...)
	}
	return nil
}

func tjTuple(tup *types.Tuple, variadic bool, pkg *types.Package) ([]jen.Code, error) {
	named := false
	for i := range tup.Len() {
		if tup.At(i).Name() != "" {
			named = true
		}
	}
	out := make([]jen.Code, tup.Len())
	for i := range tup.Len() {
		v := tup.At(i)
		var tc *jen.Statement
		if variadic && i == tup.Len()-1 {
			sl, ok := v.Type().Underlying().(*types.Slice)
			if !ok {
				// variadic string parameter of append-like builtins: ...string
				if b, ok := v.Type().Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
					tc = jen.Op("...").String()
				} else {
					return nil, fmt.Errorf("variadic parameter of type %s is not a slice", v.Type())
				}
			} else {
				elem, err := tjType(sl.Elem(), pkg)
				if err != nil {
					return nil, err
				}
				tc = jen.Op("...").Add(elem)
			}
		} else {
			var err error
			tc, err = tjType(v.Type(), pkg)
			if err != nil {
				return nil, err
			}
		}
		if named {
			name := v.Name()
			if name == "" {
				name = "_"
			}
			out[i] = jen.Id(name).Add(tc)
		} else {
			out[i] = tc
		}
	}
	return out, nil
}

func tjQuoteTag(tag string) string {
	if !strings.Contains(tag, "`") && strconv.CanBackquote(tag) {
		return "`" + tag + "`"
	}
	return strconv.Quote(tag)
}

func tjBasic(b *types.Basic) (*jen.Statement, error) {
	switch b.Kind() {
	case types.UntypedBool:
		return jen.Bool(), nil
	case types.UntypedInt:
		return jen.Int(), nil
	case types.UntypedRune:
		return jen.Rune(), nil
	case types.UntypedFloat:
		return jen.Float64(), nil
	case types.UntypedComplex:
		return jen.Complex128(), nil
	case types.UntypedString:
		return jen.String(), nil
	case types.UntypedNil:
		return nil, fmt.Errorf("untyped nil has no type")
	case types.Invalid:
		return nil, fmt.Errorf("invalid type")
	case types.UnsafePointer:
		return jen.Qual("unsafe", "Pointer"), nil
	}
	// b.Name() spells the byte and rune aliases as byte and rune.
	return jen.Id(b.Name()), nil
}
