//! The dialogs and forms open over the tables, top of the stack on top, each with an id that
//! never comes back: a reply addressed to a layer that has closed finds no one, and is never
//! taken by the layer opened after it.

use super::components::Component;
use std::any::Any;

/// A layer's id on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerId(u64);

#[derive(Debug)]
struct Layer {
    id: LayerId,
    component: Box<dyn Component>,
}

#[derive(Debug, Default)]
pub struct LayerStack {
    layers: Vec<Layer>,
    last_id: u64,
}

impl LayerStack {
    /// Opens `component` on top; returns its id.
    pub fn push(&mut self, component: Box<dyn Component>) -> LayerId {
        self.last_id += 1;
        let id = LayerId(self.last_id);
        self.layers.push(Layer { id, component });
        id
    }

    /// Closes the layer `id`, wherever it is; nothing when it is no longer open.
    pub fn close(&mut self, id: LayerId) {
        self.layers.retain(|l| l.id != id);
    }

    /// Closes the top layer when it is a `T`.
    pub fn close_top_if<T: Component>(&mut self) {
        if self.top::<T>().is_some() {
            self.layers.pop();
        }
    }

    pub fn contains(&self, id: LayerId) -> bool {
        self.layers.iter().any(|l| l.id == id)
    }

    pub fn len(&self) -> usize {
        self.layers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    pub fn top_id(&self) -> Option<LayerId> {
        self.layers.last().map(|l| l.id)
    }

    pub fn top_component(&self) -> Option<&dyn Component> {
        self.layers.last().map(|l| l.component.as_ref())
    }

    /// The top layer, if it is a `T`.
    pub fn top<T: Component>(&self) -> Option<&T> {
        self.layers
            .last()
            .and_then(|l| downcast(l.component.as_ref()))
    }

    /// The layer at `index` from the bottom, if it is a `T`.
    pub fn get<T: Component>(&self, index: usize) -> Option<&T> {
        self.layers
            .get(index)
            .and_then(|l| downcast(l.component.as_ref()))
    }

    /// The top-most layer that is a `T` and matches, with its id.
    pub fn find<T: Component>(&self, matches: impl Fn(&T) -> bool) -> Option<LayerId> {
        self.layers.iter().rev().find_map(|l| {
            downcast::<T>(l.component.as_ref())
                .filter(|c| matches(c))
                .map(|_| l.id)
        })
    }

    /// Whether any layer is a `T`.
    pub fn any<T: Component>(&self) -> bool {
        self.find::<T>(|_| true).is_some()
    }

    /// The top layer, if it is a `T`, to change (tests set a component's state directly).
    pub fn top_mut<T: Component>(&mut self) -> Option<&mut T> {
        self.layers
            .last_mut()
            .and_then(|l| (l.component.as_mut() as &mut dyn Any).downcast_mut::<T>())
    }

    pub fn component_mut(&mut self, id: LayerId) -> Option<&mut dyn Component> {
        self.layers
            .iter_mut()
            .find(|l| l.id == id)
            .map(|l| l.component.as_mut())
    }

    /// Every layer, bottom first.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Component> {
        self.layers.iter().map(|l| l.component.as_ref())
    }
}

fn downcast<T: Component>(component: &dyn Component) -> Option<&T> {
    (component as &dyn Any).downcast_ref::<T>()
}
